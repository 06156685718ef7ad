#include "graph/projection_node.hpp"

#include <stdexcept>

#include "layers/counter_rng.hpp"
#include "layers/initializers.hpp"

namespace pepita {

ProjectionNode::ProjectionNode(tbb::flow::graph& graph, int classes, int input_features, int max_rows,
                               const PepitaOptions& options, std::uint64_t seed)
    : options_(options),
      seed_(seed),
      map_(classes, input_features, Activation::identity, 0.0f),
      pool_(make_tensor_pool(max_rows, input_features)),
      perturbation_pool_(make_tensor_pool(max_rows, classes)),
      node_(graph, tbb::flow::serial, taking_messages([this](const Message& m, Node::output_ports_type& ports) {
        PortsOutbox<Node::output_ports_type, 0> out(ports);
        visit(m, out);
      })) {
  input_projection(map_.weights(), input_features, options.f_scale, seed);
}

TensorHandle ProjectionNode::random_perturbation(const BatchInfo& batch) {
  TensorHandle r = acquire_tensor(perturbation_pool_, batch.rows());
  const CounterRng rng(seed_, rng_stream::perturbation, batch.id);
  std::span<float> values = r->values();
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = options_.perturbation_scale * rng.uniform(i);
  return r;
}

Message ProjectionNode::receive(const Message& message) {
  NodeClock::Visit visit(clock_, message);
  if (message.pass != Pass::error) reject_message("the projection", message.pass);
  TensorHandle projected = acquire_tensor(pool_, message.activity->rows);
  if (options_.perturbation == Perturbation::random) map_.forward(*random_perturbation(*message.batch), *projected, nullptr);
  else map_.forward(*message.activity, *projected, nullptr);
  return next_message(Pass::feedback, message, std::move(projected));
}

}  // namespace pepita
