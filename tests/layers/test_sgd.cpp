// Sgd against plain loops and torch's SGD-with-weight-decay formula, the dense layer's fused
// update against the optimizer's plain step, and the bf16 copies made by our own loops (W's in the
// update's pass, LowPrecisionCopy's of activity) against oneDNN's reorder.
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "../copied_values.hpp"
#include "layers/dense_layer.hpp"
#include "layers/low_precision_copy.hpp"
#include "layers/sgd.hpp"
#include "reference_conv.hpp"

using namespace pepita;

namespace {

// What oneDNN's f32 → bf16 reorder makes of `values`: the rounding our copies must reproduce.
std::vector<std::uint16_t> reordered_by_onednn(std::span<const float> values) {
  using dt = dnnl::memory::data_type;
  const dnnl::memory::dims dims{dnnl::memory::dim(values.size())};
  std::vector<float> from(values.begin(), values.end());
  std::vector<std::uint16_t> to(values.size());
  dnnl::stream stream(cpu_engine());
  reorder(dnnl::memory({dims, dt::f32, dnnl::memory::format_tag::x}, cpu_engine(), from.data()),
          dnnl::memory({dims, dt::bf16, dnnl::memory::format_tag::x}, cpu_engine(), to.data()))
      .run(stream);
  return to;
}

bool is_bf16_nan(std::uint16_t value) { return (value & 0x7fffu) > 0x7f80u; }

}  // namespace
using namespace pepita::testing;

namespace {

constexpr std::size_t count = 37;  // not a multiple of a vector width: the loops' tails count too

// torch.optim.SGD(momentum=μ, weight_decay=λ) with η folded into the scale, as the layers call it:
// v ← μ·v + scale·ΔW + η·λ·W, W ← W − v.
void torch_step(std::vector<float>& w, std::vector<float>& v, const std::vector<float>& delta, float mu, float scale,
                float eta, float lambda) {
  for (std::size_t i = 0; i < w.size(); ++i) {
    v[i] = mu * v[i] + scale * delta[i] + eta * lambda * w[i];
    w[i] -= v[i];
  }
}

// ΔW = postᵀ·pre for a dense layer (post: rows × outputs, pre: rows × inputs), accumulated in double.
std::vector<float> dense_gradient(const Tensor& post, const Tensor& pre) {
  std::vector<float> delta(std::size_t(post.features) * pre.features);
  for (int o = 0; o < post.features; ++o)
    for (int i = 0; i < pre.features; ++i) {
      double sum = 0.0;
      for (int n = 0; n < post.rows; ++n) sum += double(post.row(n)[o]) * pre.row(n)[i];
      delta[std::size_t(o) * pre.features + i] = float(sum);
    }
  return delta;
}

}  // namespace

TEST_CASE("sgd step: two steps give v ← μ·v + s·ΔW, W ← W − v") {
  const float mu = 0.9f, s1 = 0.05f, s2 = 0.02f;
  const auto d1 = random_values(count, 31), d2 = random_values(count, 32);
  std::vector<float> w = random_values(count, 33), v(count, 0.0f);
  std::vector<float> weights = w;
  Sgd sgd(count, mu);
  CHECK(sgd.momentum() == mu);
  CHECK(sgd.weight_decay() == 0.0f);

  torch_step(w, v, d1, mu, s1, 0.0f, 0.0f);
  torch_step(w, v, d2, mu, s2, 0.0f, 0.0f);
  sgd.step(weights, d1, s1);
  sgd.step(weights, d2, s2);
  CHECK(max_error(sgd.velocity(), v) < 1e-6);
  CHECK(max_error(weights, w) < 1e-6);
  CHECK_THROWS_AS(sgd.step(std::span(weights).first(4), d1, s1), std::invalid_argument);
  CHECK_THROWS_AS(sgd.step(weights, std::span(d1).first(4), s1), std::invalid_argument);
}

TEST_CASE("sgd weight decay: two steps of torch's SGD, v ← μ·v + s·ΔW + η·λ·W, W ← W − v") {
  const float mu = 0.9f, eta = 0.1f, lambda = 5e-4f, s1 = 0.05f, s2 = 0.02f;
  const auto d1 = random_values(count, 41), d2 = random_values(count, 42);
  std::vector<float> w = random_values(count, 43), v(count, 0.0f);
  std::vector<float> weights = w;
  Sgd sgd(count, mu);
  sgd.set_weight_decay(lambda);
  sgd.set_learning_rate(eta);
  CHECK(sgd.weight_decay() == lambda);
  CHECK(sgd.learning_rate() == eta);

  torch_step(w, v, d1, mu, s1, eta, lambda);
  torch_step(w, v, d2, mu, s2, eta, lambda);
  sgd.step(weights, d1, s1);
  sgd.step(weights, d2, s2);
  CHECK(max_error(sgd.velocity(), v) < 1e-6);
  CHECK(max_error(weights, w) < 1e-6);

  // And the decay did something: the same steps without it end elsewhere.
  std::vector<float> undecayed = random_values(count, 43);
  Sgd plain(count, mu);
  plain.step(undecayed, d1, s1);
  plain.step(undecayed, d2, s2);
  CHECK(max_error(undecayed, w) > 1e-6);
}

TEST_CASE("sgd accumulate and flush: one step from the sum, then G is zero") {
  const float mu = 0.9f, a1 = 0.5f, a2 = 0.25f, s = 0.05f;
  const auto d1 = random_values(count, 51), d2 = random_values(count, 52);
  std::vector<float> sum(count);
  for (std::size_t i = 0; i < count; ++i) sum[i] = a1 * d1[i] + a2 * d2[i];
  std::vector<float> accumulated = random_values(count, 53), stepped = accumulated;

  Sgd gpipe(count, mu), reference(count, mu);
  gpipe.accumulate(d1, a1);
  gpipe.accumulate(d2, a2);
  CHECK(max_error(gpipe.accumulator(), sum) < 1e-6);
  gpipe.flush(accumulated, s);
  reference.step(stepped, sum, s);
  CHECK(max_error(gpipe.velocity(), reference.velocity()) < 1e-6);
  CHECK(max_error(accumulated, stepped) < 1e-6);
  CHECK(std::all_of(gpipe.accumulator().begin(), gpipe.accumulator().end(), [](float g) { return g == 0.0f; }));
}

TEST_CASE("sgd flush without accumulation does nothing") {
  const std::vector<float> w = random_values(count, 61);
  std::vector<float> weights = w;
  Sgd sgd(count, 0.9f);
  sgd.step(weights, random_values(count, 62), 0.1f);  // a velocity that a step would carry on
  const std::vector<float> after_step = copy_of(weights), v = copy_of(sgd.velocity());
  sgd.flush(weights, 0.1f);
  CHECK(max_error(weights, after_step) == 0.0);
  CHECK(max_error(sgd.velocity(), v) == 0.0);
}

TEST_CASE("dense fused learn and GPipe flush with weight decay equal the optimizer's plain step") {
  const int rows = 3, inputs = 7, outputs = 5;
  const float mu = 0.9f, eta = 0.1f, lambda = 1e-2f, s1 = 0.05f, s2 = 0.02f;
  DenseLayer layer(inputs, outputs, Activation::identity, mu);
  const std::vector<float> w0 = random_values(layer.weights().size(), 71, -0.5f, 0.5f);
  std::copy(w0.begin(), w0.end(), layer.weights().begin());
  layer.optimizer().set_weight_decay(lambda);
  layer.optimizer().set_learning_rate(eta);
  const Tensor pre = tensor_of(rows, random_values(std::size_t(rows) * inputs, 72));
  const Tensor post1 = tensor_of(rows, random_values(std::size_t(rows) * outputs, 73));
  const Tensor post2 = tensor_of(rows, random_values(std::size_t(rows) * outputs, 74));
  const auto g1 = dense_gradient(post1, pre), g2 = dense_gradient(post2, pre);

  Sgd reference(w0.size(), mu);
  reference.set_weight_decay(lambda);
  reference.set_learning_rate(eta);
  std::vector<float> w = w0;

  layer.learn(post1, pre, s1);
  layer.learn(post2, pre, s2);
  reference.step(w, g1, s1);
  reference.step(w, g2, s2);
  CHECK(max_error(layer.velocity(), reference.velocity()) < 1e-6);
  CHECK(max_error(layer.weights(), w) < 1e-6);

  layer.accumulate(post1, pre, s1);
  layer.accumulate(post2, pre, s2);
  layer.apply_accumulated(1.0f);
  reference.accumulate(g1, s1);
  reference.accumulate(g2, s2);
  reference.flush(w, 1.0f);
  CHECK(max_error(layer.velocity(), reference.velocity()) < 1e-6);
  CHECK(max_error(layer.weights(), w) < 1e-6);
}

TEST_CASE("W's bf16 copy rounded in the update's pass is the reorder's, and W is the binary subtraction's") {
  // Values that round each way, ties to even both ways, a carry into the exponent, the largest
  // finite value, an infinity and zeros of both signs (moved a little by the decay term), then
  // ordinary weights: the same on both paths, bit for bit.
  std::vector<float> weights = {1.0f + 0x1p-8f, 1.0f + 0x1p-8f + 0x1p-9f, 1.0f + 3 * 0x1p-8f, -(1.0f + 0x1p-8f),
                                0x1.fffffep-1f, 3.4028235e38f, -0.0f, 0.0f, std::numeric_limits<float>::infinity()};
  for (float value : random_values(parallel_pass_values + 3, 71)) weights.push_back(value);  // past the threshold for threads
  Sgd binary_path(weights.size(), 0.9f), rounding_path(weights.size(), 0.9f);
  for (Sgd* sgd : {&binary_path, &rounding_path}) {
    const std::vector<float> v = random_values(weights.size(), 72);
    std::copy(v.begin(), v.end(), sgd->velocity().begin());
    for (std::size_t i = 0; i < 9; ++i) sgd->velocity()[i] = 0.0f;  // the special values pass through unchanged
    sgd->set_learning_rate(0.1f);
    sgd->set_weight_decay(1e-3f);
  }
  std::vector<float> by_binary = weights, by_rounding = weights;
  binary_path.apply_velocity(by_binary);
  std::vector<std::uint16_t> rounded(weights.size());
  rounding_path.apply_velocity(by_rounding, rounded);
  CHECK(max_error(by_rounding, by_binary) == 0.0);
  const std::vector<std::uint16_t> reordered = reordered_by_onednn(by_binary);
  std::size_t differing = 0;
  for (std::size_t i = 0; i < rounded.size(); ++i) differing += rounded[i] != reordered[i];
  CHECK(differing == 0);
  CHECK(round_to_bf16(1.0f + 0x1p-8f) == 0x3f80);             // a tie: to the even 1
  CHECK(round_to_bf16(1.0f + 0x1p-8f + 0x1p-9f) == 0x3f81);   // above the tie: up
  CHECK(round_to_bf16(1.0f + 3 * 0x1p-8f) == 0x3f82);         // a tie: to the even 1 + 2⁻⁶
  CHECK(round_to_bf16(0x1.fffffep-1f) == 0x3f80);             // just below 1 rounds up across the exponent
  CHECK(round_to_bf16(-0.0f) == 0x8000);
  CHECK(round_to_bf16(std::numeric_limits<float>::quiet_NaN()) == 0x7fc0);
  CHECK(std::isnan(std::bit_cast<float>(std::uint32_t(round_to_bf16(std::bit_cast<float>(0x7f800001u))) << 16)));
  CHECK_THROWS_AS(rounding_path.apply_velocity(by_rounding, std::span(rounded).first(3)), std::invalid_argument);
}

TEST_CASE("an activity's bf16 copy is oneDNN's reorder, bit for bit, on and off the parallel path") {
  // Ties both ways, a carry into the exponent, the largest finite value, infinities, zeros of both
  // signs, subnormals, NaNs quiet and signalling (any NaN stays a NaN: payloads may differ), then
  // ordinary values; a count that is no multiple of a vector, below and past the threshold for
  // threads, so that both the vector body and its tail are checked. Subnormals are rounded as IEEE
  // rounds them; the reorder gives that or, where it runs AVX512-BF16's vcvtneps2bf16, which takes
  // them as zero, a zero of their sign. Either way a bf16 product reads them as zero (vdpbf16ps
  // does the same to its inputs), so training cannot tell.
  const std::vector<float> special = {1.0f + 0x1p-8f,
                                      1.0f + 0x1p-8f + 0x1p-9f,
                                      1.0f + 3 * 0x1p-8f,
                                      -(1.0f + 0x1p-8f),
                                      0x1.fffffep-1f,
                                      3.4028235e38f,
                                      -3.4028235e38f,
                                      std::numeric_limits<float>::infinity(),
                                      -std::numeric_limits<float>::infinity(),
                                      0.0f,
                                      -0.0f,
                                      std::numeric_limits<float>::denorm_min(),
                                      -0x1.fffffcp-127f,
                                      std::numeric_limits<float>::quiet_NaN(),
                                      std::bit_cast<float>(0x7f800001u),
                                      std::bit_cast<float>(0xff812345u)};
  for (const std::size_t count : {std::size_t(64 * 784 + 5), parallel_pass_values + 17}) {
    CAPTURE(count);
    std::vector<float> values = random_values(count - special.size(), 81, -4.0f, 4.0f);
    values.insert(values.begin() + std::ptrdiff_t(values.size() / 2), special.begin(), special.end());
    LowPrecisionCopy copy;
    const auto* ours = static_cast<const std::uint16_t*>(copy.convert(values.data(), values.size()));
    const std::vector<std::uint16_t> theirs = reordered_by_onednn(values);
    std::size_t differing = 0, nans = 0, subnormals = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (std::isnan(values[i])) {
        nans += is_bf16_nan(ours[i]) && is_bf16_nan(theirs[i]);
      } else if (std::fpclassify(values[i]) == FP_SUBNORMAL) {
        const std::uint16_t signed_zero = std::signbit(values[i]) ? 0x8000 : 0x0000;
        subnormals += theirs[i] == ours[i] || theirs[i] == signed_zero;
      } else {
        differing += ours[i] != theirs[i];
      }
    }
    CHECK(differing == 0);
    CHECK(nans == 3);
    CHECK(subnormals == 2);
  }
  // Scaled on the way (the update's term): the reorder's copy of the scaled values.
  const std::vector<float> ordinary = random_values(64 * 1024, 82);
  std::vector<float> scaled_values = ordinary;
  for (float& v : scaled_values) v *= 0.37f;
  LowPrecisionCopy scaled_copy;
  const auto* scaled = static_cast<const std::uint16_t*>(scaled_copy.convert(ordinary.data(), ordinary.size(), 0.37f));
  CHECK(std::equal(scaled, scaled + ordinary.size(), reordered_by_onednn(scaled_values).begin()));
  CHECK(round_to_bf16(std::numeric_limits<float>::denorm_min()) == 0x0000);  // far below half a step: to zero
  CHECK(round_to_bf16(-0x1.fffffcp-127f) == 0x8080);  // rounds up across into the smallest normal, −2⁻¹²⁶
}
