#pragma once
// The input population. It gathers a batch's images, sends x as the standard pass, keeps x until
// the projected error F·e comes back, then sends the modulated input x + F·e down the same layers.
// In an epoch with feedback mirroring it then starts the batch's mirror pass, which collects every
// layer's response to noise for the projection (graph/projection_node.hpp).
#include <cstdint>

#include <tbb/flow_graph.h>

#include "graph/batch_store.hpp"
#include "graph/graph_failure.hpp"
#include "graph/message.hpp"
#include "graph/node_clock.hpp"
#include "graph/outbox.hpp"
#include "graph/rule_options.hpp"

namespace pepita {

class InputNode {
 public:
  // Lightweight: a message that finds the node free is taken at once, on the thread that hands it
  // over. On a rank whose layers keep its graph's threads busy, the F·e that arrives from another
  // rank is then turned into the modulated input on the link's own thread, while the layer is in
  // its visit, as a second worker would in one process. Queued as a task instead, it waited for
  // the layer's visit to end, and the layer, finding no learning signal in its queue yet, started
  // the next standard pass: with 4 batches in flight on 2 ranks × 1 thread, updates then landed
  // 1.3 updates late on average against 0.5 in one process (docs/distributed.md).
  using Node = tbb::flow::multifunction_node<Message, std::tuple<Message>, tbb::flow::queueing_lightweight>;

  // `keeps_input`: hold x until F·e returns — only PEPITA has a modulated pass to build from it.
  // `stacks_clean_input`: the modulated pass is [x; x + F·e], for a rule that recomputes the
  // standard activity (MEMPEPITA). `mirror_features`: the learning layers' units in all, the
  // columns of a mirror pass.
  // What a visit throws goes to `failure` (graph/graph_failure.hpp): a lightweight body may not throw.
  InputNode(tbb::flow::graph& graph, GraphFailure& failure, int features, int max_rows, bool keeps_input, bool stacks_clean_input,
            const LearningState& state, int mirror_features);
  Node& node() { return node_; }
  // One visit: x, or x + F·e, up; after x + F·e, the mirror pass where this epoch mirrors.
  void visit(const Message& message, Outbox& out) {
    out.up(receive(message));
    if (message.pass == Pass::feedback && state_.mirroring)
      out.up(next_message(Pass::mirror, message, acquire_tensor(mirror_pool_, message.batch->rows())));
  }
  NodeClock& clock() { return clock_; }
  std::size_t peak_bytes() const { return peak_bytes_; }
  std::size_t batches_held() const { return held_.size(); }

 private:
  Message receive(const Message& message);
  TensorHandle gather(BatchInfo& batch);
  Message modulate(const Message& feedback);

  int features_;
  bool keeps_input_;
  bool stacks_clean_input_;
  const LearningState& state_;
  TensorPool pool_;
  TensorPool mirror_pool_;
  TensorPool stacked_pool_;  // [x; x + F·e]
  BatchStore<TensorHandle> held_{"the input node", "input"};  // x of each batch in flight
  std::size_t peak_bytes_ = 0;
  NodeClock clock_{"input"};
  Node node_;
};

}  // namespace pepita
