#pragma once
// A max-pooling stage as a serial node. It has no weights and never learns: it pools both passes
// (PEPITA's FC layer after it takes pool(h_conv^err) as presynaptic input) and, for BP and FA,
// routes the gradient back through the argmax positions it kept from the standard pass.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "graph/batch_store.hpp"
#include "graph/node_clock.hpp"
#include "graph/stage_node.hpp"
#include "layers/max_pool_layer.hpp"

namespace pepita {

class PoolNode {
 public:
  PoolNode(tbb::flow::graph& graph, ImageShape input, ImageLayout input_layout, int window, int stride, int position,
           bool keeps_workspace, int max_rows, MessageOrder order);

  StageQueue& entry() { return queue_; }
  StageNode& node() { return node_; }
  NodeClock& clock() { return clock_; }
  // One visit: either forward pass up, pooled; a gradient down through the argmax.
  void visit(const Message& message, Outbox& out);
  std::string name() const { return name_; }
  int position() const { return position_; }  // among all stages, 1 first: its node number in graph order
  std::size_t batches_held() const { return workspaces_.size(); }

 private:
  MaxPool pool_;
  std::string name_;
  int position_;
  bool keeps_workspace_;  // only for rules that send gradients back through the pool
  TensorPool activity_pool_;
  TensorPool workspace_pool_;
  TensorPool gradient_pool_;
  BatchStore<TensorHandle> workspaces_;  // per batch in flight
  NodeClock clock_;
  StageQueue queue_;
  StageNode node_;
};

}  // namespace pepita
