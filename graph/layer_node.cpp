#include "graph/layer_node.hpp"

#include <cmath>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "graph/divergence.hpp"
#include "graph/layer_visit.hpp"
#include "layers/conv_layer.hpp"
#include "layers/counter_rng.hpp"
#include "layers/initializers.hpp"

namespace pepita {

namespace {

// Across ranks, only the rank that runs the layer holds its weights, optimizer state and fixed
// feedback. Each layer draws from its own random streams, so which layers a rank skips cannot
// change the ones it draws.
bool holds_weights_here(const LayerNodeConfig& c) { return c.graph.ranks.runs(c.position); }

std::unique_ptr<Layer> make_layer(const LayerNodeConfig& c) {
  const LearningRule& rule = *c.graph.rule;
  const Activation activation = c.place.is_output() ? rule.output_activation() : rule.hidden_activation();
  const WeightStorage storage = holds_weights_here(c) ? WeightStorage::here : WeightStorage::elsewhere;
  std::unique_ptr<Layer> layer;
  if (c.stage.kind == StageSpec::Kind::conv)
    layer = std::make_unique<ConvLayer>(c.input, c.stage.units, c.stage.kernel, activation, c.graph.momentum, c.stage.stride,
                                        c.stage.padding, c.conv_output, c.graph.precision, storage);
  else
    layer = std::make_unique<DenseLayer>(int(c.input.size()), c.stage.units, activation, c.graph.momentum, c.graph.precision,
                                         storage);
  const int fan_in = int(layer->parameter_count()) / c.stage.units;  // inputs, or C·K·K for a convolution
  initialize_weights(c.graph.weight_init, layer->weights(), fan_in, c.graph.seed, std::uint64_t(c.place.index));
  layer->optimizer().set_weight_decay(c.graph.weight_decay);
  return layer;
}

// FA's B_l: fixed, shaped like W_l and initialised like it, from its own random stream.
std::vector<float> make_transport_feedback(const LayerNodeConfig& c, const Layer& layer) {
  if (c.graph.rule->feedback_weights(c.place) != FeedbackWeights::transport || !holds_weights_here(c)) return {};
  std::vector<float> b(layer.weights().size());
  he_uniform(b, int(b.size()) / c.stage.units, c.graph.seed, std::uint64_t(c.place.index), rng_stream::feedback);
  return b;
}

// DFA's and DRTP's B_l, stored classes × outputs, He-uniform over the units it feeds, as in
// Frenkel's code.
std::unique_ptr<DenseLayer> make_direct_feedback(const LayerNodeConfig& c, const Layer& layer) {
  if (c.graph.rule->feedback_weights(c.place) != FeedbackWeights::direct || !holds_weights_here(c)) return nullptr;
  auto b = std::make_unique<DenseLayer>(layer.outputs(), c.graph.classes, Activation::identity, 0.0f);
  he_uniform(b->weights(), layer.outputs(), c.graph.seed, std::uint64_t(c.place.index), rng_stream::feedback);
  return b;
}

// What the soma keeps of a batch whose learning visit needs none of its activity: when it was
// done, at which weight version and hop, so that the lock and staleness are still measured, and
// any weight stash.
SomaEntry bookkeeping_of(const SomaEntry& entry) {
  return {.batch = entry.batch,
          .stash = entry.stash,
          .weight_version = entry.weight_version,
          .hops = entry.hops,
          .weight_fingerprint = entry.weight_fingerprint,
          .standard_done = entry.standard_done};
}

// FNV-1a over the bytes: enough to tell two weight versions apart in a test.
std::uint64_t fingerprint(std::span<const float> values) {
  std::uint64_t hash = 1469598103934665603ULL;
  const auto* bytes = reinterpret_cast<const unsigned char*>(values.data());
  for (std::size_t i = 0; i < values.size_bytes(); ++i) hash = (hash ^ bytes[i]) * 1099511628211ULL;
  return hash;
}

}  // namespace

LayerNode::LayerNode(tbb::flow::graph& graph, const LayerNodeConfig& config, const LearningState& state)
    : config_(config),
      rule_(*config.graph.rule),
      state_(state),
      layer_(make_layer(config)),
      transport_feedback_(make_transport_feedback(config, *layer_)),
      direct_feedback_(make_direct_feedback(config, *layer_)),
      activity_pool_(make_tensor_pool(config.graph.max_rows, layer_->outputs())),
      mask_pool_(make_tensor_pool(config.graph.max_rows, layer_->outputs())),
      term_pool_(make_tensor_pool(config.graph.max_rows, layer_->outputs())),
      down_pool_(make_tensor_pool(config.graph.max_rows, layer_->inputs())),
      class_pool_(make_tensor_pool(config.graph.max_rows, config.graph.classes)),
      stash_pool_(make_tensor_pool(1, int(std::as_const(*layer_).weights().size()))),
      stacked_post_pool_(make_tensor_pool(2 * config.graph.max_rows, layer_->outputs())),
      stacked_pre_pool_(make_tensor_pool(2 * config.graph.max_rows, layer_->inputs())),
      updates_(*layer_, config.graph.flow.updates, metrics_),
      clock_(name()),
      queue_(graph, MessagePriority{config.graph.flow.order}),
      node_(graph, tbb::flow::serial, taking_messages([this](const Message& m, Node::output_ports_type& ports) {
        StageOutbox out(ports);
        take(m, out);
      })) {
  tbb::flow::make_edge(queue_, node_);
  const StashSettings stash = StashSettings::of(config.graph);
  if (stash.stashes(rule_.learning_reads_weights()) && stash.as_updates(config.stage, layer_->inputs(), layer_->outputs()))
    stash_updates_.emplace(layer_->inputs(), layer_->outputs());
  interleave_ = fixed_interleave_for(config.graph.flow, rule_, config.place);
  modulated_as_difference_ = config.graph.precision == Precision::bf16 && rule_.integrates_modulated_pass() &&
                             !config.place.is_output();
}

std::string LayerNode::name() const { return stage_node_name(config_.stage, config_.position, config_.place.is_output()); }

std::span<float> LayerNode::feedback_weights() {
  if (direct_feedback_) return direct_feedback_->weights();
  return transport_feedback_;
}

void LayerNode::visit(const Message& message, Outbox& out) {
  NodeClock::Visit visit(clock_, message);
  switch (message.pass) {
    case Pass::standard: return on_standard(message, out);
    case Pass::modulated:
    case Pass::error:
    case Pass::backward:
    case Pass::weight: return on_learning_signal(message, out);
    case Pass::evaluate: return on_evaluate(message, out);
    case Pass::mirror: return on_mirror(message, out);
    case Pass::feedback: reject_message(name(), message.pass);
  }
}

void LayerNode::take(const Message& message, Outbox& out) {
  if (!interleave_) return visit(message, out);
  // The gate's state is the node's, like W: its reads and writes around the visits are ordered as
  // the visits are (graph/thread_handoff.hpp).
  const SerialVisit serial(&clock_);
  if (!interleave_->due(message)) return interleave_->hold(message);
  visit(message, out);
  interleave_->ran(message);
  while (std::optional<Message> due = interleave_->take_due()) {
    visit(*due, out);
    interleave_->ran(*due);
  }
}

void LayerNode::begin_run(std::span<const BatchHandle> batches, Pass pass) {
  if (!interleave_) return;
  const SerialVisit serial(&clock_);  // before the run's first visit, after the last run's
  interleave_->begin_run(batches, pass);
}

TensorHandle LayerNode::dropout_mask_for(const BatchInfo& batch, std::uint64_t stream) {
  const float dropout = config_.dropout();
  if (dropout <= 0.0f) return {};
  TensorHandle mask = acquire_tensor(mask_pool_, batch.rows());
  dropout_mask(mask->values(), dropout, config_.graph.seed, std::uint64_t(config_.place.index), batch.id, stream);
  return mask;
}

void LayerNode::normalise(Tensor& activity) const {
  const PepitaOptions& pepita = config_.graph.pepita;
  if (!pepita.normalize_activity || config_.place.is_output()) return;
  if (pepita.normalisation_scope == NormalisationScope::sample) {
    divide_samples_by_their_norm(activity);
  } else {
    divide_by_frobenius_norm(activity);
  }
}

void LayerNode::check(const Tensor& activity, const BatchInfo& batch, Pass pass) const {
  require_finite(activity.values(), batch, pass, [&] { return "activity at layer " + std::to_string(config_.place.index + 1); });
}

std::span<const float> LayerNode::stashed_copy(const SomaEntry& standard) const {
  return standard.stash ? std::span<const float>(standard.stash->values()) : std::span<const float>{};
}

const UpdateHistory* LayerNode::updates_since(const SomaEntry& standard) const {
  return stash_updates_ && stash_updates_->changed_since(standard.weight_version) ? &*stash_updates_ : nullptr;
}

void LayerNode::forget_unneeded_updates() {
  if (stash_updates_) stash_updates_->forget_before(soma_.oldest_weight_version(updates_.version()));
}

void LayerNode::note_weight_use(std::uint64_t batch, const SomaEntry& standard) {
  // A rule whose learning pass computes with the W of its own time (the time-local variant) has
  // no standard pass's W to match.
  if (weight_check_ == WeightCheck::off || !rule_.learning_reads_weights()) return;
  const std::span<const float> now = std::as_const(*layer_).weights();
  std::vector<float> used(now.begin(), now.end());
  if (standard.stash) used.assign(standard.stash->values().begin(), standard.stash->values().end());
  if (const UpdateHistory* since = updates_since(standard)) since->reconstruct(standard.weight_version, now, used);
  const auto seen_at = standard_weights_.find(batch);
  if (seen_at == standard_weights_.end()) throw std::logic_error(name() + ": batch " + std::to_string(batch) + "'s W was not recorded at its standard pass");
  const std::vector<float>& seen = seen_at->second;
  double largest = 0, scale = 0;
  for (std::size_t i = 0; i < used.size(); ++i) {
    largest = std::max(largest, double(std::abs(used[i] - seen[i])));
    scale = std::max(scale, double(std::abs(seen[i])));
  }
  if (scale > 0) largest /= scale;
  const std::uint64_t used_fingerprint = fingerprint(used);
  if (weight_check_ == WeightCheck::listed)
    weight_uses_.push_back({batch, standard.weight_fingerprint, used_fingerprint, largest,
                            standard.weight_version != updates_.version()});
  ++metrics_.weight_checks;
  metrics_.weight_mismatches += used_fingerprint != standard.weight_fingerprint;
  metrics_.largest_weight_difference = std::max(metrics_.largest_weight_difference, largest);
  standard_weights_.erase(seen_at);  // one learning pass reads W per batch: a run keeps W per batch in flight only
}

void LayerNode::on_standard(const Message& message, Outbox& out) {
  const BatchInfo& batch = *message.batch;
  TensorHandle mask = dropout_mask_for(batch);
  TensorHandle activity = acquire_tensor(activity_pool_, batch.rows());
  TensorHandle preactivation;
  if (modulated_as_difference_) {
    preactivation = acquire_tensor(activity_pool_, batch.rows());
    layer_->forward_linear(*message.activity, *preactivation);
    activate(*preactivation, nullptr, mask ? &*mask : nullptr, layer_->activation(), *activity);
  } else {
    layer_->forward(*message.activity, *activity, mask ? &*mask : nullptr);
  }
  normalise(*activity);
  check(*activity, batch, Pass::standard);
  SomaEntry entry{.batch = batch.id,
                  .activity = activity,
                  .presynaptic = rule_.keeps_standard_presynaptic() || modulated_as_difference_ ? message.activity
                                                                                                : TensorHandle{},
                  .mask = std::move(mask),
                  .preactivation = std::move(preactivation),
                  .stash = {},
                  .weight_version = updates_.version(),
                  .hops = message.hops + 1,
                  .standard_done = Clock::now()};
  if (config_.graph.flow.weights == WeightPolicy::stash && rule_.learning_reads_weights() && !stash_updates_) {
    entry.stash = acquire_tensor(stash_pool_, 1);
    const std::span<const float> weights = std::as_const(*layer_).weights();
    std::copy(weights.begin(), weights.end(), entry.stash->data());
  }
  if (weight_check_ != WeightCheck::off) {
    const std::span<const float> seen = std::as_const(*layer_).weights();
    entry.weight_fingerprint = fingerprint(seen);
    standard_weights_[batch.id].assign(seen.begin(), seen.end());
  }
  if (rule_.learns_on_standard_pass(config_.place)) {
    LayerVisit learning(*this, message, out, entry);
    rule_.learn(learning);
    // A time-local rule learns again from a later pass, with nothing of this one: the soma keeps
    // only the batch's bookkeeping, and its weight version as this update left it.
    if (rule_.learns_after_standard_pass(config_.place, config_.graph.flow.backward)) {
      entry.weight_version = updates_.version();
      soma_.keep(bookkeeping_of(entry));
    }
  } else if (!rule_.keeps_standard_activity()) {
    soma_.keep(bookkeeping_of(entry));  // the learning pass recomputes the rest
  } else {
    soma_.keep(std::move(entry));
  }
  forget_unneeded_updates();  // a rule that learnt on this pass may have added one
  out.up(next_message(Pass::standard, message, std::move(activity)));
}

void LayerNode::on_learning_signal(const Message& message, Outbox& out) {
  // A visit that sends the layer a message for a later visit (a split backward's B) leaves the
  // batch in the soma for that visit: the lock, and the soma's bytes, last until the update.
  const bool later_visit = rule_.reaction(message.pass, config_.place, config_.graph.flow.backward).sends_to_self();
  const SomaEntry standard = later_visit ? soma_.entry(message.batch->id) : soma_.release(message.batch->id);
  LayerVisit learning(*this, message, out, standard);
  rule_.learn(learning);
  dendrite_.release();  // whatever the rule did not hand on
  forget_unneeded_updates();
}

void LayerNode::on_mirror(const Message& message, Outbox& out) {
  const BatchInfo& batch = *message.batch;
  TensorHandle noise = acquire_tensor(down_pool_, batch.rows());
  mirror_noise(noise->values(), config_.graph.seed, std::uint64_t(config_.place.index), batch.id);
  const TensorHandle mask = dropout_mask_for(batch, rng_stream::mirror_dropout);
  TensorHandle response = acquire_tensor(activity_pool_, batch.rows());
  layer_->forward(*noise, *response, mask ? &*mask : nullptr);
  normalise(*response);
  Tensor& responses = *message.activity;
  for (int r = 0; r < batch.rows(); ++r)
    std::copy(response->row(r), response->row(r) + response->features, responses.row(r) + config_.mirror_column);
  out.up(next_message(Pass::mirror, message, message.activity));
}

void LayerNode::on_evaluate(const Message& message, Outbox& out) {
  TensorHandle activity = acquire_tensor(activity_pool_, message.batch->rows());
  layer_->forward(*message.activity, *activity, nullptr);
  normalise(*activity);
  out.up(next_message(Pass::evaluate, message, std::move(activity)));
}

}  // namespace pepita
