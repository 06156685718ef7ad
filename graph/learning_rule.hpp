#pragma once
// A learning rule as one plug-in. The graph asks it what to build and every layer node asks it what
// to do; no other code tests which rule runs. A rule says:
//   - the edges it adds to the forward chain (edges);
//   - what each layer keeps in its soma and which fixed feedback weights it owns;
//   - its learning term for each message kind, at hidden and output layers (learn);
//   - its analytic update-locking latency in stages.
// Its name, summary and the paper's learning rates are its line in the registry
// (graph/rule_registry.cpp). Each built-in rule is one file in graph/rules/ and one line there; a
// rule defined elsewhere (a test, a user's program) joins with a RuleRegistration.
#include <string>
#include <string_view>
#include <vector>

#include "graph/flow_policy.hpp"
#include "graph/message.hpp"
#include "graph/rule_options.hpp"
#include "layers/activation.hpp"

namespace pepita {

class LayerVisit;

// Where a layer sits, for the rule's per-layer choices.
struct LayerPlace {
  int index = 0;   // among the learning layers, 0 first
  int layers = 1;  // L, the output layer included
  bool is_output() const { return index + 1 == layers; }
};

// The edges a rule adds to the chain input → stages → error → completion. The graph builds the
// nodes these need (the projection, pools' workspaces) and makes exactly these edges.
struct RuleEdges {
  std::vector<int> error_to_layers{};  // learning layers (0 first) that receive e from the error node
  bool error_to_input_via_projection = false;  // F·e back to the input node, which sends x + F·e
  bool gradients_down = false;         // every stage sends the gradient at its input to the stage below
  // The input sends [x; x + F·e] stacked as the modulated pass, so that every layer recomputes its
  // standard activity beside the modulated one instead of keeping it (MEMPEPITA).
  bool modulated_pass_recomputes_standard = false;
};

// What a layer sends when it takes one kind of learning signal: the message-level contract of
// LearningRule::learn. The schedule's dry run (schedulers/dry_run.hpp) is built from it, and tests
// hold that against the messages real runs trace.
struct LayerReaction {
  bool takes = false;     // the layer takes this kind of message at all
  bool updates = false;   // it applies its update (the completion node hears of it)
  Pass up = Pass::evaluate;  // activity it sends up the chain (evaluate: none)
  bool down = false;      // it sends the gradient at its input to the stage below
  // A message it sends to itself, for a later visit of its own (evaluate: none): a split backward's
  // B visit sends the term to its W visit. The soma keeps the batch until that later visit.
  Pass to_self = Pass::evaluate;
  bool sends_up() const { return up != Pass::evaluate; }
  bool sends_to_self() const { return to_self != Pass::evaluate; }
};

// Fixed random weights a layer owns for its learning signal.
enum class FeedbackWeights {
  none,
  transport,  // B_l shaped like W_l, carrying the gradient down in place of W_l (FA)
  direct,     // B_l classes × outputs, projecting a class-sized signal onto the units (DFA, DRTP)
};

class LearningRule {
 public:
  virtual ~LearningRule() = default;

  // --- the graph
  virtual RuleEdges edges(int layers) const = 0;

  // --- the neurons
  virtual Activation hidden_activation() const { return Activation::relu; }
  virtual Activation output_activation() const { return Activation::softmax; }
  // Whether the soma keeps the standard pass's presynaptic activity h_{l-1} beside h_l.
  virtual bool keeps_standard_presynaptic() const { return true; }
  // Whether the soma keeps h_l (and its mask) until the learning signal; a rule that recomputes
  // them keeps only the batch's bookkeeping.
  virtual bool keeps_standard_activity() const { return true; }
  // Whether the learning pass computes with W_l, so that a weight stash has something to fix.
  virtual bool learning_reads_weights() const { return false; }
  // Whether learn() integrates a modulated pass through the standard pass's W_l and dropout mask
  // (LayerVisit::integrate_modulated): then a bf16 layer integrates it as a difference from the
  // standard pass (layer_node.hpp), which needs the soma to keep z_l and h_{l-1}.
  virtual bool integrates_modulated_pass() const { return false; }
  virtual FeedbackWeights feedback_weights(const LayerPlace&) const { return FeedbackWeights::none; }

  // --- learning
  // A layer learns within its standard visit (DRTP's hidden layers) instead of keeping the batch.
  virtual bool learns_on_standard_pass(const LayerPlace&) const { return false; }
  // One learning visit: the message is the learning signal (or, where learns_on_standard_pass,
  // the standard pass itself). A message kind the rule does not take is visit.reject()ed.
  virtual void learn(LayerVisit& visit) const = 0;
  // What learn() sends for a message of kind `pass` (a learning signal, or the standard pass where
  // learns_on_standard_pass) at this layer, when the scheduler's flow joins or splits the backward
  // visits. A rule without a backward chain has nothing to split and ignores `backward`; learn()
  // reads the same choice from the visit's graph (visit.graph().flow.backward).
  virtual LayerReaction reaction(Pass pass, const LayerPlace& place, BackwardVisits backward) const = 0;
  // Whether any visit of the layer sends a message to itself: the graph then gives the stage an
  // edge back to its own queue.
  bool sends_to_self(const LayerPlace& place, BackwardVisits backward) const;
  // Whether the layer takes a learning signal after its standard visit (every rule but DRTP's
  // hidden layers; the time-local PEPITA also learns within the standard visit).
  bool learns_after_standard_pass(const LayerPlace& place, BackwardVisits backward) const;

  // --- analysis
  // Node visits on a batch's own path from the end of layer `layer`'s standard work (1-based, of
  // `layers`) to its update, every node costing one unit (docs/schedulers.md).
  virtual int locking_stages(int layers, int layer) const = 0;
  // The same count for each of the layer's updates of a batch, in order: one update, landing at
  // locking_stages, for every rule but a time-local one, which also updates within its standard
  // visit (0). Its length is how many updates the completion node waits for from this layer.
  virtual std::vector<int> update_stages(int layers, int layer) const { return {locking_stages(layers, layer)}; }
  // Σ over the layers of update_stages(…).size(): the updates that finish one batch.
  int updates_per_batch(int layers) const;
  // Rejects options that mean nothing under this rule, with a one-line message.
  virtual void validate(const PepitaOptions& options) const;
};

}  // namespace pepita
