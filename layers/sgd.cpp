#include "layers/sgd.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "layers/low_precision_copy.hpp"
#include "layers/tensor.hpp"

namespace pepita {

Sgd::Sgd(std::size_t size, float momentum) : momentum_(momentum), velocity_(size, 0.0f) {}

void Sgd::require_size(std::span<const float> values) const {
  if (values.size() != velocity_.size())
    throw std::invalid_argument("the optimizer updates " + std::to_string(velocity_.size()) + " weights, not " +
                                std::to_string(values.size()));
}

std::span<float> Sgd::accumulator() {
  if (accumulated_.empty()) accumulated_.assign(velocity_.size(), 0.0f);
  return accumulated_;
}

// The step's expressions are the ones every layer's results were measured with: keep their form,
// so that a compiler contracting them to FMA contracts them the same way.
void Sgd::step(std::span<float> weights, std::span<const float> delta, float scale) {
  require_size(weights);
  require_size(delta);
  const float decay = decay_factor();
  if (decay == 0.0f) {
    for (std::size_t i = 0; i < weights.size(); ++i) {
      velocity_[i] = momentum_ * velocity_[i] + scale * delta[i];
      weights[i] -= velocity_[i];
    }
    return;
  }
  for (std::size_t i = 0; i < weights.size(); ++i) {
    velocity_[i] = momentum_ * velocity_[i] + scale * delta[i] + decay * weights[i];
    weights[i] -= velocity_[i];
  }
}

void Sgd::accumulate(std::span<const float> delta, float scale) {
  require_size(delta);
  const std::span<float> sum = accumulator();
  for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += scale * delta[i];
}

// Once per GPipe round, so plain loops: it is not on the per-batch path.
void Sgd::flush(std::span<float> weights, float scale) {
  if (accumulated_.empty()) return;
  step(weights, accumulated_, scale);
  std::fill(accumulated_.begin(), accumulated_.end(), 0.0f);
}

void Sgd::add_decay(std::span<const float> weights) {
  const float decay = decay_factor();
  if (decay != 0.0f)
    for (std::size_t i = 0; i < weights.size(); ++i) velocity_[i] += decay * weights[i];
}

// W ← W − v is one subtraction per value, so W comes out as the binary primitive's; each rounding
// is the reorder's (round_to_bf16), so the copy does too. On oneDNN's OpenMP threads, as the
// binary primitive ran: W is large.
void Sgd::apply_velocity(std::span<float> weights, std::span<std::uint16_t> rounded) {
  require_size(weights);
  if (rounded.size() != weights.size())
    throw std::invalid_argument("W's bf16 copy holds " + std::to_string(rounded.size()) + " values, not " +
                                std::to_string(weights.size()));
  add_decay(weights);
  float* w = weights.data();
  const float* v = velocity_.data();
  std::uint16_t* copy = rounded.data();
  const std::size_t n = weights.size();
#pragma omp parallel for simd schedule(static) if (parallel : n >= parallel_pass_values)
  for (std::size_t i = 0; i < n; ++i) {
    const float updated = w[i] - v[i];
    w[i] = updated;
    copy[i] = round_to_bf16(updated);
  }
}

void Sgd::apply_velocity(std::span<float> weights) {
  require_size(weights);
  add_decay(weights);
  if (!subtract_velocity_) {
    const dnnl::memory::desc w({dnnl::memory::dim(velocity_.size())}, dnnl::memory::data_type::f32,
                               dnnl::memory::format_tag::x);
    const dnnl::binary::primitive_desc pd({dnnl::binary::desc(dnnl::algorithm::binary_sub, w, w, w)}, cpu_engine());
    subtract_velocity_ = BoundPrimitive(dnnl::binary(pd), {{DNNL_ARG_SRC_0, unbound(w)},
                                                           {DNNL_ARG_SRC_1, dnnl::memory(w, cpu_engine(), velocity_.data())},
                                                           {DNNL_ARG_DST, unbound(w)}});
    stream_ = dnnl::stream(cpu_engine());
  }
  subtract_velocity_.bind(DNNL_ARG_SRC_0, weights.data());
  subtract_velocity_.bind(DNNL_ARG_DST, weights.data());
  subtract_velocity_.run(stream_);
}

}  // namespace pepita
