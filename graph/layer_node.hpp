#pragma once
// A layer of two-compartment neurons as a serial flow-graph node. It owns W_l and its optimizer
// state, so no other node touches them; different layers run concurrently.
#include <cstdint>
#include <string>
#include <tuple>

#include <tbb/flow_graph.h>

#include "graph/message.hpp"
#include "graph/neurons.hpp"
#include "graph/rule_options.hpp"
#include "layers/dense_layer.hpp"

namespace pepita {

struct LayerNodeConfig {
  int index = 0;            // 0 for the first layer
  int inputs = 0;
  int outputs = 0;
  bool is_output = false;   // softmax, learns from the error instead of the mismatch
  float dropout = 0.0f;     // hidden layers only
  float momentum = 0.9f;
  int max_rows = 0;         // the largest batch it will see
  std::uint64_t seed = 0;
  PepitaOptions pepita;
};

class LayerNode {
 public:
  using Ports = std::tuple<Message, BatchEvent>;  // activity downstream, update events
  using Node = tbb::flow::multifunction_node<Message, Ports>;

  LayerNode(tbb::flow::graph& graph, const LayerNodeConfig& config, const LearningState& state);

  Node& node() { return node_; }
  DenseLayer& layer() { return layer_; }
  const DenseLayer& layer() const { return layer_; }
  const Soma& soma() const { return soma_; }
  const Dendrite& dendrite() const { return dendrite_; }
  std::string name() const;

 private:
  void receive(const Message& message, Node::output_ports_type& ports);
  void on_standard(const Message& message, Node::output_ports_type& ports);
  void on_modulated(const Message& message, Node::output_ports_type& ports);
  void on_evaluate(const Message& message, Node::output_ports_type& ports);
  TensorHandle dropout_mask_for(const BatchInfo& batch);
  // The postsynaptic term of the update: soma − dendrite, or at the output the error.
  TensorHandle postsynaptic_term(const SomaEntry& standard, const BatchInfo& batch);
  void check(const Tensor& activity, const BatchInfo& batch, Pass pass) const;

  LayerNodeConfig config_;
  const LearningState& state_;
  DenseLayer layer_;
  TensorPool activity_pool_;
  TensorPool mask_pool_;
  TensorPool term_pool_;
  Soma soma_;
  Dendrite dendrite_;
  Node node_;
};

}  // namespace pepita
