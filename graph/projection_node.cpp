#include "graph/projection_node.hpp"

#include <stdexcept>

#include "layers/counter_rng.hpp"
#include "layers/initializers.hpp"

namespace pepita {

ProjectionNode::ProjectionNode(tbb::flow::graph& graph, std::span<const int> widths, int max_rows,
                               const PepitaOptions& options, std::uint64_t seed)
    : options_(options),
      seed_(seed),
      map_(widths.back(), widths.front(), Activation::identity, 0.0f),
      pool_(make_tensor_pool(max_rows, widths.front())),
      perturbation_pool_(make_tensor_pool(max_rows, widths.back())),
      node_(graph, tbb::flow::serial, taking_messages([this](const Message& m, Node::output_ports_type& ports) {
        PortsOutbox<Node::output_ports_type, 0> out(ports);
        visit(m, out);
      })) {
  switch (options.f_init) {
    case FeedbackInit::uniform: input_projection(map_.weights(), widths.front(), options.f_scale, seed); break;
    case FeedbackInit::factored:
      factored_input_projection(map_.weights(), feedback_factors(widths, options.f_scale, seed), widths);
      break;
  }
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
