#pragma once
// PEPITA's only top-down edge: the fixed random matrix F projects the output error onto the
// input, F·e, and sends it back to the input node. F never learns. It is drawn as the paper draws
// it or as the follow-up does (PepitaOptions::f_init).
#include <cstdint>
#include <span>

#include <tbb/flow_graph.h>

#include "graph/message.hpp"
#include "graph/node_clock.hpp"
#include "graph/outbox.hpp"
#include "graph/rule_options.hpp"
#include "layers/dense_layer.hpp"

namespace pepita {

class ProjectionNode {
 public:
  using Node = tbb::flow::multifunction_node<Message, std::tuple<Message>>;

  // `widths` are n_0 (the input's features), the learning layers' units, and the classes last; the
  // factored F has a factor for each step between them.
  ProjectionNode(tbb::flow::graph& graph, std::span<const int> widths, int max_rows, const PepitaOptions& options,
                 std::uint64_t seed);
  Node& node() { return node_; }
  // One visit: F·e up, to the input.
  void visit(const Message& message, Outbox& out) { out.up(receive(message)); }
  NodeClock& clock() { return clock_; }
  // F, input_features × classes, row-major.
  std::span<float> matrix() { return map_.weights(); }

 private:
  Message receive(const Message& message);
  // The ablation's k·r, r ~ U[0, 1)^classes fresh for every sample, in place of e.
  TensorHandle random_perturbation(const BatchInfo& batch);

  PepitaOptions options_;
  std::uint64_t seed_;
  DenseLayer map_;  // e·Fᵀ: a fixed linear map, so a dense layer with no activation that never learns
  TensorPool pool_;
  TensorPool perturbation_pool_;
  NodeClock clock_{"projection"};
  Node node_;
};

}  // namespace pepita
