#include "graph/layer_node.hpp"

#include <stdexcept>

#include "graph/divergence.hpp"
#include "layers/initializers.hpp"

namespace pepita {

LayerNode::LayerNode(tbb::flow::graph& graph, const LayerNodeConfig& config, const LearningState& state)
    : config_(config),
      state_(state),
      layer_(config.inputs, config.outputs, config.is_output ? Activation::softmax : Activation::relu, config.momentum),
      activity_pool_(make_tensor_pool(config.max_rows, config.outputs)),
      mask_pool_(make_tensor_pool(config.max_rows, config.outputs)),
      term_pool_(make_tensor_pool(config.max_rows, config.outputs)),
      node_(graph, tbb::flow::serial, [this](const Message& m, Node::output_ports_type& ports) { receive(m, ports); }) {
  he_uniform(layer_.weights(), config.inputs, config.seed, std::uint64_t(config.index));
}

std::string LayerNode::name() const {
  return (config_.is_output ? "output " : "hidden ") + std::to_string(config_.index + 1);
}

void LayerNode::receive(const Message& message, Node::output_ports_type& ports) {
  switch (message.pass) {
    case Pass::standard: return on_standard(message, ports);
    case Pass::modulated: return on_modulated(message, ports);
    case Pass::evaluate: return on_evaluate(message, ports);
    case Pass::error:
    case Pass::feedback: break;
  }
  throw std::logic_error(name() + " cannot take a " + to_string(message.pass) + " message");
}

TensorHandle LayerNode::dropout_mask_for(const BatchInfo& batch) {
  if (config_.is_output || config_.dropout <= 0.0f) return {};
  TensorHandle mask = acquire_tensor(mask_pool_, batch.rows());
  dropout_mask(mask->values(), config_.dropout, config_.seed, std::uint64_t(config_.index), batch.id);
  return mask;
}

void LayerNode::check(const Tensor& activity, const BatchInfo& batch, Pass pass) const {
  require_finite(activity.values(), batch, pass, [&] { return "activity at layer " + std::to_string(config_.index + 1); });
}

void LayerNode::on_standard(const Message& message, Node::output_ports_type& ports) {
  const BatchInfo& batch = *message.batch;
  TensorHandle mask = dropout_mask_for(batch);
  TensorHandle activity = acquire_tensor(activity_pool_, batch.rows());
  layer_.forward(*message.activity, *activity, mask ? &*mask : nullptr);
  check(*activity, batch, Pass::standard);
  const bool keep_presynaptic = config_.pepita.presynaptic == Presynaptic::standard;
  soma_.keep({batch.id, activity, keep_presynaptic ? message.activity : TensorHandle{}, std::move(mask)});
  std::get<0>(ports).try_put(Message{Pass::standard, message.batch, std::move(activity)});
}

TensorHandle LayerNode::postsynaptic_term(const SomaEntry& standard, const BatchInfo& batch) {
  TensorHandle term = acquire_tensor(term_pool_, batch.rows());
  if (!config_.is_output) {
    mismatch(*standard.activity, *dendrite_.activity(), *term);
    return term;
  }
  const Tensor& output = config_.pepita.output_error == OutputError::standard ? *standard.activity : *dendrite_.activity();
  std::copy(output.values().begin(), output.values().end(), term->data());
  subtract_onehot(*term, batch.labels);
  return term;
}

void LayerNode::on_modulated(const Message& message, Node::output_ports_type& ports) {
  const BatchInfo& batch = *message.batch;
  SomaEntry standard = soma_.release(batch.id);
  dendrite_.integrate(acquire_tensor(activity_pool_, batch.rows()));
  layer_.forward(*message.activity, *dendrite_.activity(), standard.mask ? &*standard.mask : nullptr);
  check(*dendrite_.activity(), batch, Pass::modulated);
  const TensorHandle& presynaptic =
      config_.pepita.presynaptic == Presynaptic::standard ? standard.presynaptic : message.activity;
  layer_.learn(*postsynaptic_term(standard, batch), *presynaptic, state_.learning_rate / float(batch.rows()));
  std::get<1>(ports).try_put(BatchEvent{batch.id, config_.index});
  TensorHandle modulated = dendrite_.release();
  if (!config_.is_output) std::get<0>(ports).try_put(Message{Pass::modulated, message.batch, std::move(modulated)});
}

void LayerNode::on_evaluate(const Message& message, Node::output_ports_type& ports) {
  TensorHandle activity = acquire_tensor(activity_pool_, message.batch->rows());
  layer_.forward(*message.activity, *activity, nullptr);
  std::get<0>(ports).try_put(Message{Pass::evaluate, message.batch, std::move(activity)});
}

}  // namespace pepita
