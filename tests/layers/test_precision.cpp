// bf16 mixed precision against f32, operation by operation, for the dense and the convolutional
// layer. The stated tolerance is what rounding both inputs of a product to bf16 can do: each
// rounding errs by at most 2⁻⁸ relative (8 bits of mantissa, round to nearest), so a product errs by
// at most (1 + 2⁻⁸)² − 1 < 2⁻⁷ relative, and a sum of products by at most 2⁻⁷ times the same sum
// over the absolute values, which the f32 layer computes here on |operands|. f32 accumulation
// order adds far less than the 10⁻⁵ absolute slack.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <vector>

#include "layers/conv_layer.hpp"
#include "layers/dense_layer.hpp"
#include "layers/precision.hpp"
#include "reference_conv.hpp"

using namespace pepita;
using namespace pepita::testing;

namespace {

constexpr double bf16_product_error = 1.0 / 128;  // 2⁻⁷
constexpr double slack = 1e-5;

std::vector<float> absolute(std::vector<float> values) {
  for (float& v : values) v = std::fabs(v);
  return values;
}

bool bf16_runs_here() {
  if (bf16_support() == Bf16Support::native) return true;
  MESSAGE("bf16 is not native on this CPU (" << bf16_support_problem() << "); bf16 checks skipped");
  return false;
}

// A layer's operands: W, the input (or pre) and the postsynaptic term; each test builds its
// layer from them in one precision, runs one operation and returns the result.
struct Operands {
  std::vector<float> weights, input, post;
  Operands magnitudes() const { return {absolute(weights), absolute(input), absolute(post)}; }
};
using Operation = std::function<std::vector<float>(Precision, const Operands&)>;

// bf16 within the bound of f32, and not equal to it: equality would mean bf16 never ran.
void check_within_bf16_rounding(const Operation& run, const Operands& operands) {
  const std::vector<float> exact = run(Precision::f32, operands);
  const std::vector<float> rounded = run(Precision::bf16, operands);
  const std::vector<float> bound = run(Precision::f32, operands.magnitudes());
  REQUIRE(exact.size() == rounded.size());
  REQUIRE(exact.size() == bound.size());
  double worst = 0, largest_difference = 0;
  for (std::size_t i = 0; i < exact.size(); ++i) {
    const double difference = std::fabs(double(rounded[i]) - exact[i]);
    largest_difference = std::max(largest_difference, difference);
    worst = std::max(worst, difference / (bf16_product_error * bound[i] + slack));
  }
  CHECK(worst <= 1.0);
  CHECK(largest_difference > 0);
}

constexpr int rows = 8, inputs = 40, outputs = 24;
const Operands dense_operands{random_values(inputs * outputs, 1), random_values(rows * inputs, 2),
                              random_values(rows * outputs, 3)};

DenseLayer dense(Precision precision, const Operands& o) {
  DenseLayer layer(inputs, outputs, Activation::identity, 0.0f, precision);
  std::copy(o.weights.begin(), o.weights.end(), layer.weights().begin());
  return layer;
}

// The step learn takes from zero velocity with momentum 0: W_before − W_after = scale·ΔW.
template <class SomeLayer>
std::vector<float> learned_step(SomeLayer& layer, const Tensor& post, const Tensor& pre) {
  const std::span<const float> w = std::as_const(layer).weights();
  std::vector<float> step(w.begin(), w.end());
  layer.learn(post, pre, 1.0f);
  for (std::size_t i = 0; i < step.size(); ++i) step[i] -= w[i];
  return step;
}

}  // namespace

TEST_CASE("precision names: f32 and bf16 read back, and anything else is refused by name") {
  CHECK(parse_precision("f32") == Precision::f32);
  CHECK(parse_precision("bf16") == Precision::bf16);
  CHECK(std::string(precision_name(Precision::bf16)) == "bf16");
  CHECK_THROWS_WITH_AS(parse_precision("fp16"), doctest::Contains("'fp16'"), std::invalid_argument);
}

TEST_CASE("dense bf16: forward, learn and backward lie within bf16's rounding of f32") {
  if (!bf16_runs_here()) return;
  SUBCASE("forward") {
    check_within_bf16_rounding([](Precision p, const Operands& o) {
      DenseLayer layer = dense(p, o);
      Tensor out = tensor_of(rows, std::vector<float>(rows * outputs));
      layer.forward(tensor_of(rows, o.input), out, nullptr);
      return std::vector<float>(out.values().begin(), out.values().end());
    }, dense_operands);
  }
  SUBCASE("learn") {
    check_within_bf16_rounding([](Precision p, const Operands& o) {
      DenseLayer layer = dense(p, o);
      return learned_step(layer, tensor_of(rows, o.post), tensor_of(rows, o.input));
    }, dense_operands);
  }
  SUBCASE("backward") {
    check_within_bf16_rounding([](Precision p, const Operands& o) {
      DenseLayer layer = dense(p, o);
      Tensor grad_in = tensor_of(rows, std::vector<float>(rows * inputs));
      layer.backward_data(tensor_of(rows, o.post), grad_in);
      return std::vector<float>(grad_in.values().begin(), grad_in.values().end());
    }, dense_operands);
  }
  SUBCASE("forward through a stand-in for W (a stash)") {
    check_within_bf16_rounding([](Precision p, const Operands& o) {
      DenseLayer layer = dense(p, {std::vector<float>(o.weights.size(), 9.0f), o.input, o.post});
      Tensor out = tensor_of(rows, std::vector<float>(rows * outputs));
      layer.forward(tensor_of(rows, o.input), out, nullptr, o.weights);
      return std::vector<float>(out.values().begin(), out.values().end());
    }, dense_operands);
  }
}

// W's bf16 copy is made once per change of W. After a change, a layer that made its copy before
// must compute exactly what a new layer given the changed W computes; a stale copy would not.
TEST_CASE("dense bf16: the copy of W follows every change of W") {
  if (!bf16_runs_here()) return;
  const Tensor input = tensor_of(rows, dense_operands.input);
  const auto forward = [&](DenseLayer& layer) {
    Tensor out = tensor_of(rows, std::vector<float>(rows * outputs));
    layer.forward(input, out, nullptr);
    return std::vector<float>(out.values().begin(), out.values().end());
  };
  const auto check_follows = [&](const std::function<void(DenseLayer&)>& change) {
    DenseLayer layer = dense(Precision::bf16, dense_operands);
    const std::vector<float> before = forward(layer);  // makes the copy
    change(layer);
    const std::vector<float> after = forward(layer);
    const std::span<const float> changed = std::as_const(layer).weights();
    DenseLayer fresh = dense(Precision::bf16, {{changed.begin(), changed.end()}, {}, {}});
    CHECK(after == forward(fresh));
    CHECK(after != before);
  };
  SUBCASE("a write through weights()") {
    check_follows([](DenseLayer& layer) {
      for (float& w : layer.weights()) w = -2 * w;
    });
  }
  SUBCASE("a learning step") {
    check_follows([](DenseLayer& layer) {
      layer.learn(tensor_of(rows, dense_operands.post), tensor_of(rows, dense_operands.input), 0.5f);
    });
  }
  SUBCASE("GPipe's flush") {
    check_follows([](DenseLayer& layer) {
      layer.accumulate(tensor_of(rows, dense_operands.post), tensor_of(rows, dense_operands.input), 0.5f);
      layer.apply_accumulated(1.0f);
    });
  }
}

TEST_CASE("conv bf16: forward, learn and backward lie within bf16's rounding of f32, in both output layouts") {
  if (!bf16_runs_here()) return;
  const ConvGeometry g{{2, 8, 8}, 16, 3, 1, 1};
  constexpr int n = 4;
  const Operands operands{random_values(g.weight_count(), 4), random_values(n * g.input.size(), 5),
                          random_values(n * g.output().size(), 6)};
  for (const ImageLayout layout : {ImageLayout::nchw, ImageLayout::blocked}) {
    CAPTURE(int(layout));
    const auto conv = [&](Precision p, const Operands& o) {
      ConvLayer layer(g.input, g.filters, g.kernel, Activation::identity, 0.0f, g.stride, g.padding, layout, p);
      std::copy(o.weights.begin(), o.weights.end(), layer.weights().begin());
      return layer;
    };
    check_within_bf16_rounding([&](Precision p, const Operands& o) {
      ConvLayer layer = conv(p, o);
      Tensor out = tensor_of(n, std::vector<float>(n * g.output().size()));
      layer.forward(tensor_of(n, o.input), out, nullptr);
      // Blocked output lies in another order; both runs use the same, so comparing is fair.
      return std::vector<float>(out.values().begin(), out.values().end());
    }, operands);
    check_within_bf16_rounding([&](Precision p, const Operands& o) {
      ConvLayer layer = conv(p, o);
      return learned_step(layer, tensor_of(n, o.post), tensor_of(n, o.input));
    }, operands);
    check_within_bf16_rounding([&](Precision p, const Operands& o) {
      ConvLayer layer = conv(p, o);
      Tensor grad_in = tensor_of(n, std::vector<float>(n * g.input.size()));
      layer.backward_data(tensor_of(n, o.post), grad_in);
      return std::vector<float>(grad_in.values().begin(), grad_in.values().end());
    }, operands);
  }
}
