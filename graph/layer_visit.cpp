#include "graph/layer_visit.hpp"

#include <algorithm>

#include "graph/layer_node.hpp"

namespace pepita {

const LayerPlace& LayerVisit::place() const { return node_.config_.place; }
const GraphConfig& LayerVisit::graph() const { return node_.config_.graph; }
const Layer& LayerVisit::layer() const { return *node_.layer_; }
float LayerVisit::learning_rate() const { return node_.state_.learning_rate; }

void LayerVisit::reject() const {
  reject_message(node_.name() + " under " + node_.config_.graph.rule.name(), message_.pass);
}

const Tensor& LayerVisit::integrate_modulated(SecondPassMask which) {
  Dendrite& dendrite = node_.dendrite_;
  dendrite.integrate(acquire_tensor(node_.activity_pool_, batch().rows()));
  node_.note_weight_use(batch().id, standard_);
  const TensorHandle mask =
      which == SecondPassMask::redrawn ? node_.dropout_mask_for(batch(), rng_stream::dropout_redrawn) : standard_.mask;
  // The difference form holds only while W_l is the standard pass's: stashed (as a copy or as the
  // updates since), or not updated since.
  const bool same_weights =
      standard_.stash || node_.stash_updates_ || standard_.weight_version == node_.updates_.version();
  if (standard_.preactivation && which == SecondPassMask::standard_pass && same_weights) {
    TensorHandle modulation = acquire_tensor(node_.down_pool_, batch().rows());  // h_{l-1}^err − h_{l-1}
    pepita::mismatch(incoming(), *standard_.presynaptic, *modulation);
    TensorHandle change = acquire_tensor(node_.term_pool_, batch().rows());  // W_l (h_{l-1}^err − h_{l-1})
    linear_through_standard_weights(*modulation, *change);
    activate(*standard_.preactivation, &*change, mask ? &*mask : nullptr, node_.layer_->activation(), *dendrite.activity());
  } else {
    forward_through_standard_weights(incoming(), *dendrite.activity(), mask ? &*mask : nullptr);
  }
  node_.normalise(*dendrite.activity());
  node_.check(*dendrite.activity(), batch(), Pass::modulated);
  return *dendrite.activity();
}

const Tensor& LayerVisit::integrate_recomputed_and_modulated() {
  Dendrite& dendrite = node_.dendrite_;
  const int rows = batch().rows();
  if (incoming().rows != 2 * rows) throw std::logic_error(node_.name() + ": a recomputing pass must carry two halves");
  dendrite.integrate(acquire_tensor(node_.stacked_post_pool_, 2 * rows));
  node_.note_weight_use(batch().id, standard_);
  TensorHandle mask;
  if (const TensorHandle drawn = node_.dropout_mask_for(batch())) {  // the standard pass's, drawn again
    mask = acquire_tensor(node_.stacked_post_pool_, 2 * rows);
    std::copy(drawn->values().begin(), drawn->values().end(), mask->data());
    std::copy(drawn->values().begin(), drawn->values().end(), mask->data() + drawn->size());
  }
  forward_through_standard_weights(incoming(), *dendrite.activity(), mask ? &*mask : nullptr);
  node_.check(*dendrite.activity(), batch(), Pass::modulated);
  return *dendrite.activity();
}

void LayerVisit::linear_through_standard_weights(const Tensor& in, Tensor& out) {
  node_.layer_->forward_linear(in, out, node_.stashed_copy(standard_));
  if (const UpdateHistory* since = node_.updates_since(standard_)) since->add_to_forward(standard_.weight_version, in, out);
}

void LayerVisit::forward_through_standard_weights(const Tensor& in, Tensor& out, const Tensor* mask) {
  const UpdateHistory* since = node_.updates_since(standard_);
  if (!since) return node_.layer_->forward(in, out, mask, node_.stashed_copy(standard_));
  // σ after the updates' terms: the primitive's fused σ would apply it before them.
  TensorHandle linear = acquire_tensor(node_.stacked_post_pool_, in.rows);
  linear_through_standard_weights(in, *linear);
  node_.layer_->activate_linear(*linear, out, mask);
}

TensorHandle LayerVisit::upper_half(const Tensor& pair) {
  TensorHandle half = acquire_tensor(node_.term_pool_, pair.rows / 2);
  std::copy(pair.data(), pair.data() + half->size(), half->data());
  return half;
}

TensorHandle LayerVisit::halves_difference(const Tensor& pair) {
  TensorHandle difference = acquire_tensor(node_.term_pool_, pair.rows / 2);
  const std::size_t n = difference->size();
  for (std::size_t i = 0; i < n; ++i) difference->data()[i] = pair.data()[i] - pair.data()[n + i];
  return difference;
}

TensorHandle LayerVisit::lower_half_of_incoming() {
  const Tensor& pair = incoming();
  TensorHandle half = acquire_tensor(node_.down_pool_, pair.rows / 2);
  std::copy(pair.data() + half->size(), pair.data() + 2 * half->size(), half->data());
  return half;
}

TensorHandle LayerVisit::mismatch() {
  TensorHandle term = acquire_tensor(node_.term_pool_, batch().rows());
  pepita::mismatch(*standard_.activity, *node_.dendrite_.activity(), *term);
  return term;
}

TensorHandle LayerVisit::output_error(const Tensor& output) {
  TensorHandle term = copy_of(output);
  subtract_onehot(*term, batch().labels);
  return term;
}

TensorHandle LayerVisit::copy_of(const Tensor& values) {
  TensorHandle copy = acquire_tensor(node_.term_pool_, values.rows);
  std::copy(values.values().begin(), values.values().end(), copy->data());
  return copy;
}

TensorHandle LayerVisit::through_derivative(TensorHandle gradient) {
  multiply_by_derivative(*gradient, *standard_.activity, standard_.mask ? &*standard_.mask : nullptr,
                         node_.rule_.hidden_activation());
  return gradient;
}

TensorHandle LayerVisit::project_to_units(const Tensor& class_signal) {
  TensorHandle projected = acquire_tensor(node_.term_pool_, class_signal.rows);
  node_.direct_feedback_->backward_data(class_signal, *projected);
  return projected;
}

TensorHandle LayerVisit::onehot_target() {
  TensorHandle target = acquire_tensor(node_.class_pool_, batch().rows());
  std::fill(target->values().begin(), target->values().end(), 0.0f);
  for (int r = 0; r < batch().rows(); ++r) target->row(r)[batch().labels[std::size_t(r)]] = 1.0f;
  return target;
}

void LayerVisit::update(const Tensor& post, const Tensor& pre, float scale, Normalisation normalisation) {
  if (node_.stash_updates_) node_.stash_updates_->record(node_.updates_.version(), post, pre, scale);
  node_.updates_.apply(post, pre, scale, normalisation, batch().rows(), {standard_.standard_done, standard_.weight_version});
  node_.metrics_.latency_stages.push_back(message_.hops + 1 - standard_.hops);
  out_.report(BatchEvent{batch().id, place().index});
}

namespace {
// top's rows, then bottom's negated: ΔW of the pair is topᵀ·pre_top − bottomᵀ·pre_bottom.
TensorHandle stack(TensorPool& pool, const Tensor& top, const Tensor& bottom, float bottom_sign) {
  TensorHandle both = acquire_tensor(pool, top.rows + bottom.rows);
  float* out = std::copy(top.values().begin(), top.values().end(), both->data());
  for (float v : bottom.values()) *out++ = bottom_sign * v;
  return both;
}
}  // namespace

TensorHandle LayerVisit::stacked_posts(const Tensor& standard, const Tensor& modulated) {
  return stack(node_.stacked_post_pool_, standard, modulated, -1.0f);
}

TensorHandle LayerVisit::stacked_pres(const Tensor& standard, const Tensor& modulated) {
  return stack(node_.stacked_pre_pool_, standard, modulated, 1.0f);
}

void LayerVisit::send_down_through_weights(const Tensor& term) {
  node_.note_weight_use(batch().id, standard_);
  send_down(term, node_.stashed_copy(standard_), node_.updates_since(standard_));
}

void LayerVisit::send_down_through_feedback(const Tensor& term) { send_down(term, node_.transport_feedback_); }

void LayerVisit::send_down(const Tensor& term, std::span<const float> through, const UpdateHistory* since_standard) {
  TensorHandle gradient = acquire_tensor(node_.down_pool_, term.rows);
  node_.layer_->backward_data(term, *gradient, through);
  if (since_standard) since_standard->add_to_backward(standard_.weight_version, term, *gradient);
  out_.down(next_message(Pass::backward, message_, std::move(gradient)));
}

void LayerVisit::send_up(Pass pass, TensorHandle activity) {
  out_.up(next_message(pass, message_, std::move(activity)));
}

void LayerVisit::send_to_self(Pass pass, TensorHandle activity) {
  out_.to_self(next_message(pass, message_, std::move(activity)));
}

TensorHandle LayerVisit::release_dendrite() { return node_.dendrite_.release(); }

}  // namespace pepita
