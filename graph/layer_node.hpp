#pragma once
// A layer of two-compartment neurons as a serial flow-graph node. It owns W_l, its optimizer state
// and any fixed feedback weights, so no other node touches them; different layers run
// concurrently. The node is a shell: the standard and evaluation passes are the same for every
// rule, and for every learning signal it asks the graph's learning rule (graph/learning_rule.hpp),
// handing it a LayerVisit (graph/layer_visit.hpp) with the node's services.
//
// Messages wait in a priority queue in front of the node, so that when several batches are in
// flight the scheduler's message order decides which runs next.
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <tbb/flow_graph.h>

#include "graph/fixed_interleave.hpp"
#include "graph/graph_config.hpp"
#include "graph/layer_metrics.hpp"
#include "graph/message.hpp"
#include "graph/neurons.hpp"
#include "graph/node_clock.hpp"
#include "graph/stage_node.hpp"
#include "graph/update_history.hpp"
#include "graph/weight_updates.hpp"
#include "layers/counter_rng.hpp"
#include "layers/dense_layer.hpp"
#include "layers/image_layout.hpp"

namespace pepita {

// One learning layer's place in the graph; everything else it reads from the graph's config.
struct LayerNodeConfig {
  const GraphConfig& graph;
  LayerPlace place;         // index among the learning layers: selects the layer's random streams
  int position = 1;         // among all stages, 1 first: names the node
  StageSpec stage;          // dense or conv
  ImageShape input;         // what it receives
  ImageLayout conv_output = ImageLayout::nchw;  // a conv's activity: blocked when a pool reads it
  int mirror_column = 0;    // where its response starts in a mirror pass's columns
  float dropout() const { return place.is_output() ? 0.0f : graph.dropout; }
};

class LayerNode {
 public:
  using Node = StageNode;
  using Queue = StageQueue;

  LayerNode(tbb::flow::graph& graph, const LayerNodeConfig& config, const LearningState& state);

  // Where messages for this layer go in: the queue; what its successors connect to: the node.
  Queue& entry() { return queue_; }
  Node& node() { return node_; }
  Layer& layer() { return *layer_; }
  const Layer& layer() const { return *layer_; }
  // The fixed random feedback weights of FA (shape of W), DFA and DRTP (classes × outputs): empty
  // where the rule has none, or where another rank runs the layer (has_feedback_weights still says).
  std::span<float> feedback_weights();
  bool has_feedback_weights() const { return rule_.feedback_weights(config_.place) != FeedbackWeights::none; }
  std::string name() const;
  // Its place among the stages, 1 first: its node number in graph order.
  int position() const { return config_.position; }
  // One visit: the standard pass up (after learning, where the rule learns on it), a learning
  // signal to the rule, an evaluation pass up.
  void visit(const Message& message, Outbox& out);
  // A message off the queue: visited now, or under --staleness fixed held until the fixed order
  // makes it due, and then visited by the visit that did.
  void take(const Message& message, Outbox& out);
  // A run of batches through the graph begins (the fixed order is kept within one run); the number
  // of messages a run left held, which must be 0.
  void begin_run(std::span<const BatchHandle> batches, Pass pass);
  std::size_t messages_held() const { return interleave_ ? interleave_->held() : 0; }

  // GPipe's flush: one optimizer step from the updates accumulated over `rows` samples.
  void apply_accumulated(int rows) { updates_.flush(rows); }
  // Whether each learning pass's W is compared with the W its batch's standard pass used:
  // `counted` in the layer's metrics (--check-weights), or also `listed`, one WeightUse per pass, for
  // the tests that look at single passes. A user's run only counts, so it holds nothing per pass.
  enum class WeightCheck { off, counted, listed };
  void check_weights(WeightCheck how) { weight_check_ = how; }
  // A fingerprint of the weights a learning pass computed with, and of the weights the same
  // batch's standard pass used, in batch order of arrival; and the largest difference between the
  // two relative to the largest |W|, for a stash kept as updates, which is equal only up to rounding.
  struct WeightUse {
    std::uint64_t batch;
    std::uint64_t standard_fingerprint;
    std::uint64_t learning_fingerprint;
    double largest_difference = 0;
    bool updated_since = false;  // whether W had changed since the standard pass
  };
  const std::vector<WeightUse>& weight_uses() const { return weight_uses_; }

  // The samples so far, with the buffers' peak bytes.
  LayerMetrics& metrics() {
    // The larger of this process's buffers and any peak another rank reported for this layer.
    metrics_.peak_soma_bytes = std::max(metrics_.peak_soma_bytes, soma_.peak_bytes());
    metrics_.peak_stash_bytes = std::max(metrics_.peak_stash_bytes, soma_.peak_stash_bytes());
    if (stash_updates_) metrics_.peak_stash_bytes = std::max(metrics_.peak_stash_bytes, stash_updates_->peak_bytes());
    metrics_.peak_dendrite_bytes = std::max(metrics_.peak_dendrite_bytes, dendrite_.peak_bytes());
    return metrics_;
  }
  NodeClock& clock() { return clock_; }
  std::uint64_t updates_applied() const { return updates_.version(); }
  std::size_t batches_held() const { return soma_.batches_held(); }

 private:
  friend class LayerVisit;
  void on_standard(const Message& message, Outbox& out);
  void on_learning_signal(const Message& message, Outbox& out);
  void on_evaluate(const Message& message, Outbox& out);
  // Feedback mirroring: the layer's response to noise, σ(W_l ξ) ⊙ mask (normalised where asked),
  // into its columns of the pass, for the projection to learn F's factor B_l from.
  void on_mirror(const Message& message, Outbox& out);

  TensorHandle dropout_mask_for(const BatchInfo& batch, std::uint64_t stream = rng_stream::dropout);
  // The weights a batch's learning pass computes with, as a primitive's stand-in for W: the stash's
  // copy, or empty for W now (to which a stash kept as updates adds updates_since's terms).
  std::span<const float> stashed_copy(const SomaEntry& standard) const;
  // The updates W_l received since the batch's standard pass, where its stash is kept as those
  // updates and there are any; null otherwise.
  const UpdateHistory* updates_since(const SomaEntry& standard) const;
  // Once a batch has learnt: drops the updates that no batch still held needs.
  void forget_unneeded_updates();
  void check(const Tensor& activity, const BatchInfo& batch, Pass pass) const;
  // What the neurons do after σ and dropout: the follow-up's normalisation, where asked.
  void normalise(Tensor& activity) const;
  void note_weight_use(std::uint64_t batch, const SomaEntry& standard);

  LayerNodeConfig config_;
  const LearningRule& rule_;
  const LearningState& state_;
  std::unique_ptr<Layer> layer_;
  std::vector<float> transport_feedback_;         // FA: B_l, shaped like W_l, in place of W_l going down
  std::unique_ptr<DenseLayer> direct_feedback_;   // DFA, DRTP: s·B_l with B_l classes × outputs
  TensorPool activity_pool_;
  TensorPool mask_pool_;
  TensorPool term_pool_;
  TensorPool down_pool_;   // gradients for the layer below
  TensorPool class_pool_;  // class-sized signals made here (DRTP's one-hot targets)
  TensorPool stash_pool_;  // copies of W, under the stash policy
  std::optional<UpdateHistory> stash_updates_;
  std::map<std::uint64_t, std::vector<float>> debug_saved_;  // the stash as the updates since, where it is kept so
  TensorPool stacked_post_pool_;  // two passes' rows, for an update that takes both (pepita-mixed)
  TensorPool stacked_pre_pool_;
  Soma soma_;
  Dendrite dendrite_;
  LayerMetrics metrics_;
  WeightUpdates updates_;
  NodeClock clock_;
  // bf16 only, for a rule that integrates_modulated_pass, at a hidden layer: the dendrite forms
  // h_l^err = σ(z_l + W_l (h_{l-1}^err − h_{l-1})) ⊙ mask from the standard pass's z_l, instead of
  // σ(W_l h_{l-1}^err) ⊙ mask. The same value in exact arithmetic; in bf16 the direct form rounds
  // h_{l-1} and h_{l-1}^err apart, an error as large as the modulation itself
  // (apps/precision_probe), while the difference form rounds only the modulation.
  bool modulated_as_difference_ = false;
  std::optional<FixedInterleave> interleave_;  // under --staleness fixed
  WeightCheck weight_check_ = WeightCheck::off;
  std::vector<WeightUse> weight_uses_;  // WeightCheck::listed only
  std::map<std::uint64_t, std::vector<float>> standard_weights_;  // while checking: W at each standard pass in flight
  Queue queue_;
  Node node_;
};

}  // namespace pepita
