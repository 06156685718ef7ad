#pragma once
// Compares the output with the target: e = h_L − onehot(y). In training it sends e to the
// projection; in evaluation it only scores. It also keeps the loss and accuracy of each phase.
#include <cstdint>
#include <mutex>
#include <tuple>
#include <utility>

#include <tbb/flow_graph.h>

#include "graph/message.hpp"
#include "graph/node_clock.hpp"
#include "graph/outbox.hpp"
#include "layers/activation.hpp"

namespace pepita {

struct ScoreTally {
  double loss_sum = 0.0;  // cross-entropy −log p_y, summed over samples
  std::int64_t correct = 0;
  std::int64_t samples = 0;
  double mean_loss() const { return samples ? loss_sum / double(samples) : 0.0; }
  double accuracy() const { return samples ? double(correct) / double(samples) : 0.0; }
};

class ErrorNode {
 public:
  using Ports = std::tuple<Message, BatchEvent>;
  using Node = tbb::flow::multifunction_node<Message, Ports>;
  struct port {
    static constexpr std::size_t error = 0;   // e, to where the rule's edges take it
    static constexpr std::size_t scored = 1;  // an evaluation batch is scored, to the completion node
  };

  // The loss it reports is cross-entropy after a softmax output, binary cross-entropy after a
  // sigmoid one; e = h_L − onehot(y) is the gradient of either at the output's input.
  ErrorNode(tbb::flow::graph& graph, int classes, int max_rows, Activation output);
  Node& node() { return node_; }
  // One visit: e up (to where the rule's edges take it), or an evaluation batch reported scored.
  void visit(const Message& message, Outbox& out);
  NodeClock& clock() { return clock_; }
  // The tallies since the last take; `peek` may be called from any thread while batches run.
  ScoreTally peek_training_tally() const;
  ScoreTally take_training_tally();
  // Continues a training tally saved in a checkpoint (call while idle).
  void restore_training_tally(const ScoreTally& tally);
  ScoreTally take_evaluation_tally();
  // Both tallies as another rank's error node holds them (call while idle).
  std::pair<ScoreTally, ScoreTally> peek_tallies() const;
  void restore_tallies(const ScoreTally& training, const ScoreTally& evaluation);

 private:
  void score(const Tensor& output, const BatchInfo& batch, ScoreTally& tally, Pass pass);

  Activation output_;
  TensorPool pool_;
  mutable std::mutex tally_mutex_;
  ScoreTally training_;
  ScoreTally evaluation_;
  NodeClock clock_{"error"};
  Node node_;
};

}  // namespace pepita
