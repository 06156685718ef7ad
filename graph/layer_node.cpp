#include "graph/layer_node.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "graph/divergence.hpp"
#include "layers/conv_layer.hpp"
#include "layers/counter_rng.hpp"
#include "layers/initializers.hpp"

namespace pepita {

Activation hidden_activation(Rule rule) { return rule == Rule::drtp ? Activation::tanh : Activation::relu; }
Activation output_activation(Rule rule) { return rule == Rule::drtp ? Activation::sigmoid : Activation::softmax; }

namespace {

bool is_learning_signal(Pass pass) { return pass == Pass::modulated || pass == Pass::error || pass == Pass::backward; }

std::unique_ptr<Layer> make_layer(const LayerNodeConfig& c) {
  const Activation activation = c.is_output ? output_activation(c.rule) : hidden_activation(c.rule);
  std::unique_ptr<Layer> layer;
  if (c.stage.kind == StageSpec::Kind::conv)
    layer = std::make_unique<ConvLayer>(c.input, c.stage.units, c.stage.kernel, activation, c.momentum, c.stage.stride,
                                        c.stage.padding, c.conv_output);
  else
    layer = std::make_unique<DenseLayer>(int(c.input.size()), c.stage.units, activation, c.momentum);
  const int fan_in = int(layer->weights().size()) / c.stage.units;  // inputs, or C·K·K for a convolution
  he_uniform(layer->weights(), fan_in, c.seed, std::uint64_t(c.index));
  return layer;
}

// FA's B_l: fixed, shaped like W_l and initialised like it, from its own random stream.
std::vector<float> make_transport_feedback(const LayerNodeConfig& c, const Layer& layer) {
  if (c.rule != Rule::fa || c.index == 0) return {};
  std::vector<float> b(layer.weights().size());
  he_uniform(b, int(b.size()) / c.stage.units, c.seed, std::uint64_t(c.index), rng_stream::feedback);
  return b;
}

// DFA's and DRTP's B_l, stored classes × outputs, He-uniform over the units it feeds, as in
// Frenkel's code.
std::unique_ptr<DenseLayer> make_direct_feedback(const LayerNodeConfig& c, const Layer& layer) {
  if ((c.rule != Rule::dfa && c.rule != Rule::drtp) || c.is_output) return nullptr;
  auto b = std::make_unique<DenseLayer>(layer.outputs(), c.classes, Activation::identity, 0.0f);
  he_uniform(b->weights(), layer.outputs(), c.seed, std::uint64_t(c.index), rng_stream::feedback);
  return b;
}

// FNV-1a over the bytes: enough to tell two weight versions apart in a test.
std::uint64_t fingerprint(std::span<const float> values) {
  std::uint64_t hash = 1469598103934665603ULL;
  const auto* bytes = reinterpret_cast<const unsigned char*>(values.data());
  for (std::size_t i = 0; i < values.size_bytes(); ++i) hash = (hash ^ bytes[i]) * 1099511628211ULL;
  return hash;
}

}  // namespace

bool MessagePriority::operator()(const Message& a, const Message& b) const {
  if (order == MessageOrder::none) return false;
  const bool a_learns = is_learning_signal(a.pass), b_learns = is_learning_signal(b.pass);
  if (a_learns != b_learns) return order == MessageOrder::learning_first ? b_learns : a_learns;
  return a.batch->id > b.batch->id;  // the older batch first
}

LayerNode::LayerNode(tbb::flow::graph& graph, const LayerNodeConfig& config, const LearningState& state)
    : config_(config),
      state_(state),
      layer_(make_layer(config)),
      transport_feedback_(make_transport_feedback(config, *layer_)),
      direct_feedback_(make_direct_feedback(config, *layer_)),
      activity_pool_(make_tensor_pool(config.max_rows, layer_->outputs())),
      mask_pool_(make_tensor_pool(config.max_rows, layer_->outputs())),
      term_pool_(make_tensor_pool(config.max_rows, layer_->outputs())),
      down_pool_(make_tensor_pool(config.max_rows, layer_->inputs())),
      class_pool_(make_tensor_pool(config.max_rows, config.classes)),
      stash_pool_(make_tensor_pool(1, int(layer_->weights().size()))),
      clock_(name()),
      queue_(graph, MessagePriority{config.order}),
      node_(graph, tbb::flow::serial, taking_messages([this](const Message& m, Ports_& ports) { receive(m, ports); })) {
  tbb::flow::make_edge(queue_, node_);
}

std::string LayerNode::name() const {
  const char* kind = config_.is_output ? "output " : config_.stage.kind == StageSpec::Kind::conv ? "conv " : "hidden ";
  return kind + std::to_string(config_.position);
}

std::span<float> LayerNode::feedback_weights() {
  if (direct_feedback_) return direct_feedback_->weights();
  return transport_feedback_;
}

// PEPITA's conv update is a mean over output positions (§3.3) unless asked otherwise.
float LayerNode::pepita_position_factor() const {
  const float positions = float(layer_->positions());
  switch (config_.pepita.conv_normalisation) {
    case ConvNormalisation::positions: return 1.0f / positions;
    case ConvNormalisation::sqrt_positions: return 1.0f / std::sqrt(positions);
    case ConvNormalisation::none: return 1.0f;
  }
  return 1.0f;
}

void LayerNode::receive(const Message& message, Ports_& ports) {
  NodeClock::Visit visit(clock_, message);
  switch (message.pass) {
    case Pass::standard: return on_standard(message, ports);
    case Pass::modulated: return on_modulated(message, ports);
    case Pass::error:
    case Pass::backward: return on_learning_signal(message, ports);
    case Pass::evaluate: return on_evaluate(message, ports);
    case Pass::feedback: break;
  }
  throw std::logic_error(name() + " cannot take a " + to_string(message.pass) + " message");
}

bool LayerNode::keeps_standard_presynaptic() const {
  return config_.rule != Rule::pepita || config_.pepita.presynaptic == Presynaptic::standard;
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

std::span<const float> LayerNode::learning_weights(const SomaEntry& standard) const {
  return standard.stash ? std::span<const float>(standard.stash->values()) : std::span<const float>(layer_->weights());
}

void LayerNode::learn(const Tensor& term, const Tensor& presynaptic, float scale, Normalisation normalisation,
                      const SomaEntry& standard, const Message& message, Ports_& ports) {
  if (config_.deferred_updates) {
    // A batch mean is taken over the whole group at the flush, so accumulate the micro-batch's sum.
    accumulated_normalisation_ = normalisation;
    layer_->accumulate(term, presynaptic, normalisation == Normalisation::batch_mean ? scale * float(term.rows) : scale);
    awaiting_flush_.push_back({standard.standard_done, standard.weight_version});
  } else {
    layer_->learn(term, presynaptic, scale);
    record_update({standard.standard_done, standard.weight_version});
    ++updates_applied_;
  }
  metrics_.latency_stages.push_back(message.hops + 1 - standard.hops);
  std::get<1>(ports).try_put(BatchEvent{message.batch->id, config_.index});
}

// A batch's update is applied now: how long the layer held it, and how many updates came between.
void LayerNode::record_update(const PendingUpdate& batch) {
  metrics_.latency_seconds.push_back(std::chrono::duration<double>(Clock::now() - batch.standard_done).count());
  metrics_.staleness.push_back(updates_applied_ - batch.weight_version);
}

void LayerNode::apply_accumulated(int rows) {
  layer_->apply_accumulated(accumulated_normalisation_ == Normalisation::batch_mean ? 1.0f / float(rows) : 1.0f);
  for (const PendingUpdate& batch : awaiting_flush_) record_update(batch);  // GPipe's lock ends at the flush
  awaiting_flush_.clear();
  ++updates_applied_;
}

void LayerNode::on_standard(const Message& message, Ports_& ports) {
  const BatchInfo& batch = *message.batch;
  TensorHandle mask = dropout_mask_for(batch);
  TensorHandle activity = acquire_tensor(activity_pool_, batch.rows());
  layer_->forward(*message.activity, *activity, mask ? &*mask : nullptr);
  check(*activity, batch, Pass::standard);
  SomaEntry entry{.batch = batch.id,
                  .activity = activity,
                  .presynaptic = keeps_standard_presynaptic() ? message.activity : TensorHandle{},
                  .mask = std::move(mask),
                  .stash = {},
                  .weight_version = updates_applied_,
                  .hops = message.hops + 1,
                  .standard_done = Clock::now()};
  const bool learning_pass_reads_w = config_.rule == Rule::pepita || config_.rule == Rule::bp;
  if (config_.weights == WeightPolicy::stash && learning_pass_reads_w) {
    entry.stash = acquire_tensor(stash_pool_, 1);
    std::copy(layer_->weights().begin(), layer_->weights().end(), entry.stash->data());
  }
  if (record_weight_use_) entry.weight_fingerprint = fingerprint(layer_->weights());
  if (config_.rule == Rule::drtp && !config_.is_output) {
    // The target arrives with the batch, so a DRTP hidden layer learns before passing h_l on.
    TensorHandle target = acquire_tensor(class_pool_, batch.rows());
    std::fill(target->values().begin(), target->values().end(), 0.0f);
    for (int r = 0; r < batch.rows(); ++r) target->row(r)[batch.labels[std::size_t(r)]] = 1.0f;
    // Frenkel's code sums the hidden DRTP updates over the batch (no 1/N); the paper's DRTP η assumes it.
    learn(*through_derivative(project_to_units(*target), entry), *message.activity, state_.learning_rate,
          Normalisation::batch_sum, entry, message, ports);
  } else {
    soma_.keep(std::move(entry));
  }
  std::get<0>(ports).try_put(next_message(Pass::standard, message, std::move(activity)));
}

TensorHandle LayerNode::pepita_term(const SomaEntry& standard, const BatchInfo& batch) {
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

void LayerNode::on_modulated(const Message& message, Ports_& ports) {
  const BatchInfo& batch = *message.batch;
  SomaEntry standard = soma_.release(batch.id);
  dendrite_.integrate(acquire_tensor(activity_pool_, batch.rows()));
  const std::span<const float> weights = learning_weights(standard);
  if (record_weight_use_) weight_uses_.push_back({batch.id, standard.weight_fingerprint, fingerprint(weights)});
  layer_->forward(*message.activity, *dendrite_.activity(), standard.mask ? &*standard.mask : nullptr,
                 standard.stash ? weights : std::span<const float>{});
  check(*dendrite_.activity(), batch, Pass::modulated);
  const TensorHandle& presynaptic =
      config_.pepita.presynaptic == Presynaptic::standard ? standard.presynaptic : message.activity;
  const float scale = state_.learning_rate / float(batch.rows()) * pepita_position_factor();
  learn(*pepita_term(standard, batch), *presynaptic, scale, Normalisation::batch_mean, standard, message, ports);
  TensorHandle modulated = dendrite_.release();
  if (!config_.is_output) std::get<0>(ports).try_put(next_message(Pass::modulated, message, std::move(modulated)));
}

TensorHandle LayerNode::project_to_units(const Tensor& signal) {
  TensorHandle projected = acquire_tensor(term_pool_, signal.rows);
  direct_feedback_->backward_data(signal, *projected);
  return projected;
}

TensorHandle LayerNode::through_derivative(TensorHandle gradient, const SomaEntry& standard) {
  multiply_by_derivative(*gradient, *standard.activity, standard.mask ? &*standard.mask : nullptr,
                         hidden_activation(config_.rule));
  return gradient;
}

void LayerNode::send_down(const Tensor& term, const SomaEntry& standard, const Message& message, Ports_& ports) {
  TensorHandle gradient = acquire_tensor(down_pool_, term.rows);
  const std::span<const float> through =
      config_.rule == Rule::fa ? std::span<const float>(transport_feedback_) : learning_weights(standard);
  if (record_weight_use_ && config_.rule == Rule::bp)
    weight_uses_.push_back({message.batch->id, standard.weight_fingerprint, fingerprint(through)});
  layer_->backward_data(term, *gradient, through);
  std::get<2>(ports).try_put(next_message(Pass::backward, message, std::move(gradient)));
}

// The output error (BP, FA, DFA, DRTP at the output; DFA everywhere) or ∂L/∂h_l from above (BP, FA).
void LayerNode::on_learning_signal(const Message& message, Ports_& ports) {
  const BatchInfo& batch = *message.batch;
  const float batch_mean = state_.learning_rate / float(batch.rows());
  const bool sends_down = config_.index > 0 && (config_.rule == Rule::bp || config_.rule == Rule::fa);
  SomaEntry standard = soma_.release(batch.id);
  if (config_.is_output) {
    if (message.pass != Pass::error) throw std::logic_error(name() + " learns from the error only");
    if (sends_down) send_down(*message.activity, standard, message, ports);
    // DRTP's output follows Frenkel's binary cross-entropy, a mean over batch and classes.
    const float scale = config_.rule == Rule::drtp ? batch_mean / float(config_.classes) : batch_mean;
    learn(*message.activity, *standard.presynaptic, scale, Normalisation::batch_mean, standard, message, ports);
    return;
  }
  TensorHandle term;
  if (config_.rule == Rule::dfa && message.pass == Pass::error) {
    term = through_derivative(project_to_units(*message.activity), standard);
  } else if ((config_.rule == Rule::bp || config_.rule == Rule::fa) && message.pass == Pass::backward) {
    term = acquire_tensor(term_pool_, batch.rows());
    std::copy(message.activity->values().begin(), message.activity->values().end(), term->data());
    term = through_derivative(std::move(term), standard);
  } else {
    throw std::logic_error(name() + " under " + to_string(config_.rule) + " cannot take a " + to_string(message.pass) + " message");
  }
  if (sends_down) send_down(*term, standard, message, ports);
  learn(*term, *standard.presynaptic, batch_mean, Normalisation::batch_mean, standard, message, ports);
}

void LayerNode::on_evaluate(const Message& message, Ports_& ports) {
  TensorHandle activity = acquire_tensor(activity_pool_, message.batch->rows());
  layer_->forward(*message.activity, *activity, nullptr);
  std::get<0>(ports).try_put(next_message(Pass::evaluate, message, std::move(activity)));
}

}  // namespace pepita
