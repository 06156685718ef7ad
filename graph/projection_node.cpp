#include "graph/projection_node.hpp"

#include <stdexcept>

#include "layers/initializers.hpp"

namespace pepita {

ProjectionNode::ProjectionNode(tbb::flow::graph& graph, int classes, int input_features, int max_rows,
                               float f_scale, std::uint64_t seed)
    : map_(classes, input_features, Activation::identity, 0.0f),
      pool_(make_tensor_pool(max_rows, input_features)),
      node_(graph, tbb::flow::serial, [this](const Message& m) { return receive(m); }) {
  input_projection(map_.weights(), input_features, f_scale, seed);
}

Message ProjectionNode::receive(const Message& message) {
  if (message.pass != Pass::error)
    throw std::logic_error(std::string("the projection cannot take a ") + to_string(message.pass) + " message");
  TensorHandle projected = acquire_tensor(pool_, message.activity->rows);
  map_.forward(*message.activity, *projected, nullptr);
  return {Pass::feedback, message.batch, std::move(projected)};
}

}  // namespace pepita
