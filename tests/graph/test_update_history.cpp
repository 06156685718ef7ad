// A stash kept as the updates since (graph/update_history.hpp) against a stash kept as a copy:
// the same products as the dense layer's primitives compute through the copy, up to rounding.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "graph/update_history.hpp"
#include "layers/dense_layer.hpp"

using namespace pepita;

namespace {

constexpr int inputs = 37, outputs = 19;  // not multiples of a vector width

Tensor random_tensor(int rows, int features, std::mt19937& rng) {
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  Tensor t;
  t.rows = rows;
  t.features = features;
  t.storage.resize(t.size());
  for (float& v : t.values()) v = value(rng);
  return t;
}

// Where a product goes, filled with a value no product here gives, so that unwritten places show.
Tensor output(int rows, int features) {
  Tensor t;
  t.rows = rows;
  t.features = features;
  t.storage.assign(t.size(), -7.0f);
  return t;
}

double largest_difference(const Tensor& a, const Tensor& b) {
  double d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, double(std::abs(a.data()[i] - b.data()[i])));
  return d;
}

}  // namespace

TEST_CASE("W now and the updates since compute what the weights of that version compute") {
  std::mt19937 rng(3);
  DenseLayer layer(inputs, outputs, Activation::relu, /*momentum=*/0.0f);
  const Tensor initial = random_tensor(1, inputs * outputs, rng);
  std::copy(initial.values().begin(), initial.values().end(), layer.weights().begin());

  // Three plain SGD steps of 1, 2 and 3 rows, with W saved before each.
  UpdateHistory history(inputs, outputs);
  std::vector<std::vector<float>> before;
  for (int step = 0; step < 3; ++step) {
    const std::span<const float> w = std::as_const(layer).weights();
    before.emplace_back(w.begin(), w.end());
    const Tensor post = random_tensor(step + 1, outputs, rng), pre = random_tensor(step + 1, inputs, rng);
    history.record(std::uint64_t(step), post, pre, 0.1f);
    layer.learn(post, pre, 0.1f);
  }

  const Tensor x = random_tensor(4, inputs, rng), delta = random_tensor(4, outputs, rng);
  for (std::uint64_t version = 0; version < 3; ++version) {
    CAPTURE(version);
    CHECK(history.changed_since(version));
    Tensor expected = output(4, outputs), got = output(4, outputs), stale = output(4, outputs);
    layer.forward_linear(x, expected, before[version]);
    layer.forward_linear(x, got);
    layer.forward_linear(x, stale);
    history.add_to_forward(version, x, got);
    CHECK(largest_difference(got, expected) < 1e-5);
    CHECK(largest_difference(stale, expected) > 1e-2);  // the terms matter: W now alone is far off

    Tensor expected_down = output(4, inputs), got_down = output(4, inputs);
    layer.backward_data(delta, expected_down, before[version]);
    layer.backward_data(delta, got_down);
    history.add_to_backward(version, delta, got_down);
    CHECK(largest_difference(got_down, expected_down) < 1e-5);

    std::vector<float> rebuilt(before[version].size());
    history.reconstruct(version, std::as_const(layer).weights(), rebuilt);
    double off = 0;
    for (std::size_t i = 0; i < rebuilt.size(); ++i) off = std::max(off, double(std::abs(rebuilt[i] - before[version][i])));
    CHECK(off < 1e-6);
  }
  CHECK_FALSE(history.changed_since(3));  // the batch of version 3 saw W now

  SUBCASE("forgetting keeps what later versions need, and bytes count what is held") {
    const std::size_t all = history.bytes();
    CHECK(all == (1 + 2 + 3) * std::size_t(inputs + outputs) * sizeof(float));
    history.forget_before(2);
    CHECK(history.bytes() == 3 * std::size_t(inputs + outputs) * sizeof(float));
    CHECK(history.peak_bytes() == all);
    Tensor expected = output(4, outputs), got = output(4, outputs);
    layer.forward_linear(x, expected, before[2]);
    layer.forward_linear(x, got);
    history.add_to_forward(2, x, got);
    CHECK(largest_difference(got, expected) < 1e-5);
  }
  SUBCASE("an update that skips a version is a bug, not a silent gap") {
    const Tensor post = random_tensor(1, outputs, rng), pre = random_tensor(1, inputs, rng);
    CHECK_THROWS_AS(history.record(7, post, pre, 0.1f), std::logic_error);
  }
}
