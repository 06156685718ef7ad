#pragma once
// A layer of two-compartment neurons as a serial flow-graph node. It owns W_l, its optimizer state
// and any fixed feedback weights, so no other node touches them; different layers run
// concurrently. What it does with each message depends on the learning rule:
//
//   rule    learning signal it receives             update                               sends down
//   pepita  modulated activity h_{l-1}^err          (soma − dendrite)·pre; out: e·pre     —
//   bp      ∂L/∂h_l from layer l+1 (out: e)          (∂L/∂h ⊙ σ')·h_{l-1}                 ·W_l
//   fa      as bp                                    as bp                                ·B_l (fixed)
//   dfa     e, broadcast by the error node           (e·B_l ⊙ σ')·h_{l-1}                 —
//   drtp    none: the target comes with the batch    (y·B_l ⊙ σ')·h_{l-1}, at once        —
//
// Messages wait in a priority queue in front of the node, so that when several batches are in
// flight the scheduler's order (learning signal first, oldest first) decides which runs next.
#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <tbb/flow_graph.h>

#include "graph/layer_metrics.hpp"
#include "graph/message.hpp"
#include "graph/model_spec.hpp"
#include "graph/neurons.hpp"
#include "graph/node_clock.hpp"
#include "graph/rule_options.hpp"
#include "graph/stage_node.hpp"
#include "layers/dense_layer.hpp"
#include "layers/image_layout.hpp"

namespace pepita {

struct LayerNodeConfig {
  int index = 0;            // among the learning layers, 0 first: selects the layer's random streams
  int position = 1;         // among all stages, 1 first: names the node
  StageSpec stage;          // dense or conv
  ImageShape input;         // what it receives
  int classes = 0;
  bool is_output = false;
  Rule rule = Rule::pepita;
  float dropout = 0.0f;     // hidden layers only
  float momentum = 0.9f;
  int max_rows = 0;         // the largest batch it will see
  std::uint64_t seed = 0;
  PepitaOptions pepita;
  WeightPolicy weights = WeightPolicy::latest;
  MessageOrder order = MessageOrder::learning_first;
  bool deferred_updates = false;  // GPipe: accumulate, apply at the flush
  ImageLayout conv_output = ImageLayout::nchw;  // a conv's activity: blocked when a pool reads it
};

// σ_l for a rule: DRTP uses tanh hidden units and a sigmoid output, the others ReLU and softmax.
Activation hidden_activation(Rule rule);
Activation output_activation(Rule rule);

class LayerNode {
 public:
  // Activity up to the next layer (or the error node), update events, gradient down (BP, FA).
  using Node = StageNode;
  using Queue = StageQueue;

  LayerNode(tbb::flow::graph& graph, const LayerNodeConfig& config, const LearningState& state);

  // Where messages for this layer go in: the queue; what its successors connect to: the node.
  Queue& entry() { return queue_; }
  Node& node() { return node_; }
  Layer& layer() { return *layer_; }
  const Layer& layer() const { return *layer_; }
  // The fixed random feedback weights of FA (shape of W), DFA and DRTP (classes × outputs).
  std::span<float> feedback_weights();
  std::string name() const;

  // GPipe's flush: one optimizer step from the updates accumulated over `rows` samples.
  void apply_accumulated(int rows);
  // For tests: a fingerprint of the weights each learning pass computed with, and of the
  // weights the same batch's standard pass used, in batch order of arrival.
  struct WeightUse {
    std::uint64_t batch;
    std::uint64_t standard_fingerprint;
    std::uint64_t learning_fingerprint;
  };
  void record_weight_use(bool on) { record_weight_use_ = on; }
  const std::vector<WeightUse>& weight_uses() const { return weight_uses_; }

  // The samples so far, with the buffers' peak bytes.
  LayerMetrics& metrics() {
    metrics_.peak_soma_bytes = soma_.peak_bytes();
    metrics_.peak_stash_bytes = soma_.peak_stash_bytes();
    metrics_.peak_dendrite_bytes = dendrite_.peak_bytes();
    return metrics_;
  }
  NodeClock& clock() { return clock_; }
  std::uint64_t updates_applied() const { return updates_applied_; }
  std::size_t batches_held() const { return soma_.batches_held(); }

 private:
  using Ports_ = Node::output_ports_type;
  void receive(const Message& message, Ports_& ports);
  void on_standard(const Message& message, Ports_& ports);
  void on_modulated(const Message& message, Ports_& ports);
  void on_learning_signal(const Message& message, Ports_& ports);
  void on_evaluate(const Message& message, Ports_& ports);

  TensorHandle dropout_mask_for(const BatchInfo& batch);
  // The weights a batch's learning pass computes with: its stash, or the current W.
  std::span<const float> learning_weights(const SomaEntry& standard) const;
  // PEPITA's postsynaptic term: soma − dendrite, or at the output the error.
  TensorHandle pepita_term(const SomaEntry& standard, const BatchInfo& batch);
  // A gradient at this layer's output turned into the term at its input: ⊙ σ'(z).
  TensorHandle through_derivative(TensorHandle gradient, const SomaEntry& standard);
  // The fixed random projection of a class-sized signal (e for DFA, y for DRTP): signal·B_l.
  TensorHandle project_to_units(const Tensor& signal);
  void send_down(const Tensor& term, const SomaEntry& standard, const Message& message, Ports_& ports);
  // How an update is normalised: a mean over the batch (scale holds 1/rows), or a sum (DRTP's
  // hidden layers, after Frenkel's code). GPipe needs to know to renormalise at the flush.
  enum class Normalisation { batch_mean, batch_sum };
  // Applies (or, under GPipe, accumulates) the update and records its latency and staleness.
  struct PendingUpdate {
    Clock::time_point standard_done;
    std::uint64_t weight_version = 0;
  };
  void record_update(const PendingUpdate& batch);
  void learn(const Tensor& term, const Tensor& presynaptic, float scale, Normalisation normalisation,
             const SomaEntry& standard, const Message& message, Ports_& ports);
  bool keeps_standard_presynaptic() const;
  float pepita_position_factor() const;
  void check(const Tensor& activity, const BatchInfo& batch, Pass pass) const;

  LayerNodeConfig config_;
  const LearningState& state_;
  std::unique_ptr<Layer> layer_;
  std::vector<float> transport_feedback_;         // FA: B_l, shaped like W_l, in place of W_l going down
  std::unique_ptr<DenseLayer> direct_feedback_;   // DFA, DRTP: s·B_l with B_l classes × outputs
  TensorPool activity_pool_;
  TensorPool mask_pool_;
  TensorPool term_pool_;
  TensorPool down_pool_;   // gradients for the layer below
  TensorPool class_pool_;  // one-hot targets for DRTP
  TensorPool stash_pool_;  // copies of W, under the stash policy
  Soma soma_;
  Dendrite dendrite_;
  std::uint64_t updates_applied_ = 0;  // W's version
  std::vector<PendingUpdate> awaiting_flush_;  // GPipe: the batches whose updates wait for the flush
  Normalisation accumulated_normalisation_ = Normalisation::batch_mean;
  LayerMetrics metrics_;
  NodeClock clock_;
  bool record_weight_use_ = false;
  std::vector<WeightUse> weight_uses_;
  Queue queue_;
  Node node_;
};

}  // namespace pepita
