#include "graph/input_node.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace pepita {

InputNode::InputNode(tbb::flow::graph& graph, GraphFailure& failure, int features, int max_rows, bool keeps_input, bool stacks_clean_input,
                     const LearningState& state, int mirror_features)
    : features_(features),
      keeps_input_(keeps_input),
      stacks_clean_input_(stacks_clean_input),
      state_(state),
      pool_(make_tensor_pool(max_rows, features)),
      mirror_pool_(make_tensor_pool(max_rows, mirror_features)),
      stacked_pool_(make_tensor_pool(stacks_clean_input ? 2 * max_rows : 0, features)),
      node_(graph, tbb::flow::serial, taking_messages([this, &failure](const Message& m, Node::output_ports_type& ports) noexcept {
        failure.run([&] {
          PortsOutbox<Node::output_ports_type, 0> out(ports);
          visit(m, out);
        });
      })) {}

Message InputNode::receive(const Message& message) {
  NodeClock::Visit visit(clock_, message);
  switch (message.pass) {
    case Pass::evaluate: return next_message(Pass::evaluate, message, gather(*message.batch));
    case Pass::standard: {
      TensorHandle x = gather(*message.batch);
      if (!keeps_input_) return next_message(Pass::standard, message, std::move(x));
      held_.keep(message.batch->id, x);
      std::size_t bytes = 0;
      for (const auto& [batch, held] : held_) bytes += held->size() * sizeof(float);
      peak_bytes_ = std::max(peak_bytes_, bytes);
      return next_message(Pass::standard, message, std::move(x));
    }
    case Pass::feedback: return modulate(message);
    case Pass::modulated:
    case Pass::error:
    case Pass::backward:
    case Pass::weight:
    case Pass::mirror: break;
  }
  reject_message("the input node", message.pass);
}

TensorHandle InputNode::gather(BatchInfo& batch) {
  const Dataset& data = *batch.data;
  if (int(data.shape.size()) != features_) throw std::logic_error("batch from a data set of another input size");
  TensorHandle x = acquire_tensor(pool_, batch.rows());
  fill_labels(batch);
  // The rows come from all over the data set, so the copy waits on memory (a 64-row MNIST batch in
  // shuffled order, measured alone: 40 µs on one core, 21 on two, 2% of an fc epoch's batch): the rows
  // are split between oneDNN's OpenMP threads, the other of which would only spin until the next
  // primitive. Under the schedulers that overlap layers the count is 1 and the copy stays here.
  const int rows = batch.rows();
#pragma omp parallel for schedule(static) if (parallel : std::size_t(rows) * std::size_t(features_) >= parallel_pass_values)
  for (int r = 0; r < rows; ++r) std::memcpy(x->row(r), data.image(batch.samples[r]), sizeof(float) * features_);
  return x;
}

// x + F·e, written over the feedback tensor, which nobody else holds; or [x; x + F·e].
Message InputNode::modulate(const Message& feedback) {
  const TensorHandle x = held_.release(feedback.batch->id);
  Tensor& modulated = *feedback.activity;
  for (std::size_t i = 0; i < x->size(); ++i) modulated.data()[i] += x->data()[i];
  if (!stacks_clean_input_) return next_message(Pass::modulated, feedback, feedback.activity);
  TensorHandle pair = acquire_tensor(stacked_pool_, 2 * x->rows);
  std::copy(x->data(), x->data() + x->size(), pair->data());
  std::copy(modulated.data(), modulated.data() + modulated.size(), pair->data() + x->size());
  return next_message(Pass::modulated, feedback, std::move(pair));
}

}  // namespace pepita
