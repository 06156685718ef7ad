#pragma once
// What a learning rule may do during one visit of a layer node: read the message and what the
// soma kept from the batch's standard pass, compute with the layer's neurons and feedback weights,
// update W, and send messages on. The layer node makes one for each learning visit and hands it
// to its rule (LearningRule::learn); the rule decides the order, which is the algorithm.
#include <span>

#include "graph/graph_config.hpp"
#include "graph/message.hpp"
#include "graph/neurons.hpp"
#include "graph/outbox.hpp"
#include "graph/weight_updates.hpp"
#include "layers/layer.hpp"

namespace pepita {

class LayerNode;
class UpdateHistory;

// The dropout mask of a second pass: the standard pass's, kept in the soma (PEPITA: both passes
// see the same units dropped), or drawn afresh (the follow-up's time-local variant resets it).
enum class SecondPassMask { standard_pass, redrawn };

class LayerVisit {
 public:
  // --- what arrived, and where
  const Message& message() const { return message_; }
  Pass pass() const { return message_.pass; }
  const BatchInfo& batch() const { return *message_.batch; }
  const Tensor& incoming() const { return *message_.activity; }
  const TensorHandle& incoming_handle() const { return message_.activity; }
  const LayerPlace& place() const;
  bool is_output() const { return place().is_output(); }
  const GraphConfig& graph() const;
  const Layer& layer() const;
  float learning_rate() const;
  // What the soma kept from this batch's standard pass (during a standard visit: what it made).
  const SomaEntry& standard() const { return standard_; }
  // This rule takes no such message at this layer: a wiring mistake, thrown as std::logic_error.
  [[noreturn]] void reject() const;

  // --- the neurons
  // The dendrite integrates the incoming (modulated) activity through the weights the standard
  // pass used (its stash, or the current W) and a dropout mask: σ(W_l h_{l-1}^err) ⊙ mask.
  // Checked for divergence.
  const Tensor& integrate_modulated(SecondPassMask mask = SecondPassMask::standard_pass);
  // MEMPEPITA's dendrite: the incoming [h_{l-1}; h_{l-1}^err], both halves through the weights the
  // standard pass used and its dropout mask (drawn again), into [h_l; h_l^err]. Checked for divergence.
  const Tensor& integrate_recomputed_and_modulated();
  // The halves of such a pair: the upper (the recomputed standard pass), upper − lower, and the
  // incoming pair's lower half (h_{l-1}^err).
  TensorHandle upper_half(const Tensor& pair);
  TensorHandle halves_difference(const Tensor& pair);
  TensorHandle lower_half_of_incoming();
  // soma − dendrite: the mismatch that drives PEPITA's hidden plasticity.
  TensorHandle mismatch();
  // output − onehot(y), for an output layer that forms its own error.
  TensorHandle output_error(const Tensor& output);
  TensorHandle copy_of(const Tensor& values);
  // A gradient at the layer's output turned into the term at its pre-activation: ⊙ σ'(z), with
  // the standard pass's activity and dropout mask.
  TensorHandle through_derivative(TensorHandle gradient);
  // A class-sized signal (e for DFA, y for DRTP) onto the units through the fixed B_l: s·B_l.
  TensorHandle project_to_units(const Tensor& class_signal);
  // onehot(y) of the batch.
  TensorHandle onehot_target();
  // Two passes' terms as one update: the posts stacked as [standard; −modulated] and the pres as
  // [standard; modulated], so that update() applies standardᵀ·pre − modulatedᵀ·pre' in one step.
  TensorHandle stacked_posts(const Tensor& standard, const Tensor& modulated);
  TensorHandle stacked_pres(const Tensor& standard, const Tensor& modulated);

  // --- learning and sending on
  // ΔW = the weight-gradient form of (post, pre), times `scale`, into W (or the flush's sum), and
  // the completion node hears that this layer updated the batch.
  void update(const Tensor& post, const Tensor& pre, float scale, Normalisation normalisation);
  // The gradient at the layer's input to the stage below: term·W_l (the weights the standard pass
  // used), or term·B_l (FA's fixed transport feedback).
  void send_down_through_weights(const Tensor& term);
  void send_down_through_feedback(const Tensor& term);
  // Activity to the next stage (or the error node).
  void send_up(Pass pass, TensorHandle activity);
  // A message to this layer itself, for a later visit of the batch (a split backward's W visit):
  // the soma keeps the batch until then.
  void send_to_self(Pass pass, TensorHandle activity);
  // The dendrite's activity, handed on (the node drops it after the visit otherwise).
  TensorHandle release_dendrite();

 private:
  friend class LayerNode;
  LayerVisit(LayerNode& node, const Message& message, Outbox& out, const SomaEntry& standard)
      : node_(node), message_(message), out_(out), standard_(standard) {}
  // The gradient term·W down, through `through` (empty: W now), plus the updates since the
  // standard pass where the stash is kept as those.
  void send_down(const Tensor& term, std::span<const float> through, const UpdateHistory* since_standard = nullptr);
  // W x and σ(W x) ⊙ mask with W as the batch's standard pass saw it (its stash's copy, W now, or
  // W now and the updates since).
  void linear_through_standard_weights(const Tensor& in, Tensor& out);
  void forward_through_standard_weights(const Tensor& in, Tensor& out, const Tensor* mask);

  LayerNode& node_;
  const Message& message_;
  Outbox& out_;
  const SomaEntry& standard_;
};

}  // namespace pepita
