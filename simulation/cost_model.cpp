#include "simulation/cost_model.hpp"

#include <stdexcept>

#include "graph/flow_policy.hpp"

namespace pepita {

namespace {

// One product of the layer's shape over a batch: a convolution's at every output position.
double layer_product(const TopologyNode& layer, int rows) {
  return 2.0 * double(rows) * double(layer.positions) * double(layer.weights);
}

double learning_flops(const GraphTopology& topology, int node, Pass pass, int rows) {
  const TopologyNode& layer = topology.node(node);
  const LayerReaction reaction = topology.reaction(node, pass);
  double flops = 0;
  if (pass == Pass::modulated) {  // the dendrite integrates through W_l (MEMPEPITA: the clean half too)
    const int halves = topology.edges().modulated_pass_recomputes_standard ? 2 : 1;
    flops += layer_product(layer, halves * rows) + double(halves - 1) * rows * double(layer.outputs);
  }
  if (reaction.updates) flops += layer_product(layer, rows);         // the weight gradient
  if (reaction.down) flops += layer_product(layer, rows);            // the gradient at the input
  // A split backward's W visit takes the term its B visit formed: the rest is the B visit's.
  if (pass == Pass::weight) return flops;
  if (topology.rule().feedback_weights(layer.place) == FeedbackWeights::direct)
    flops += 2.0 * rows * double(topology.classes()) * double(layer.outputs);  // s·B_l onto the units
  return flops + double(rows) * double(layer.outputs);                        // the element-wise term
}

}  // namespace

double visit_flops(const GraphTopology& topology, int node, Pass pass, int rows) {
  const TopologyNode& n = topology.node(node);
  switch (n.kind) {
    case NodeKind::input: return pass == Pass::feedback ? double(rows) * double(n.outputs) : 0.0;  // x + F·e
    case NodeKind::pool: return double(rows) * double(n.inputs);  // a comparison or a scatter per input
    case NodeKind::error: return double(rows) * double(n.outputs);
    case NodeKind::projection: return 2.0 * rows * double(n.inputs) * double(n.outputs);
    case NodeKind::layer: {
      double flops = 0;
      if (pass == Pass::standard || pass == Pass::evaluate) {
        flops = layer_product(n, rows) + double(rows) * double(n.outputs);
        if (pass == Pass::standard && topology.rule().learns_on_standard_pass(n.place))
          flops += learning_flops(topology, node, pass, rows);
        return flops;
      }
      return learning_flops(topology, node, pass, rows);
    }
  }
  return 0.0;
}

FlopsCost::FlopsCost(double device_gflops) : flops_per_second_(device_gflops * 1e9) {
  if (!(device_gflops > 0)) throw std::invalid_argument("--device-gflops must be above 0");
}

}  // namespace pepita
