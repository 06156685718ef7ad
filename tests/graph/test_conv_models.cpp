// Convolutional models through the graph: PEPITA's conv update (§3.3) against a plain-loop
// transcription, and BP's conv gradient against finite differences.
#include <doctest/doctest.h>

#include "../copied_values.hpp"
#include "../layers/reference_conv.hpp"
#include "golden_net.hpp"
#include "tiny_problem.hpp"

using namespace pepita;
using namespace pepita::testing;

namespace {

// conv3k3 on 1×8×8 → 3×6×6, pool2 → 3×3×3 = 27, fc4.
const ImageShape image{1, 8, 8};
const ConvGeometry conv{image, 3, 3};
const PoolGeometry pool{{3, 6, 6}, 2, 2};
constexpr int classes = 4;
constexpr int pooled = 27;

struct ConvSetup {
  DatasetPair data = tiny_pair(20, image, classes);
  TrainConfig config = tiny_config();
  explicit ConvSetup(const std::string& rule) {
    config.rule = rule;
    config.model = "conv3k3-pool2-fc4";
    config.dropout = 0;
    config.max_batches = 3;
  }
};

Vector softmax_rows(const Vector& logits, int rows) {
  Vector p(logits.size());
  for (int r = 0; r < rows; ++r) {
    const float* z = logits.data() + r * classes;
    const float top = *std::max_element(z, z + classes);
    double sum = 0;
    for (int c = 0; c < classes; ++c) sum += std::exp(double(z[c] - top));
    for (int c = 0; c < classes; ++c) p[std::size_t(r * classes + c)] = float(std::exp(double(z[c] - top)) / sum);
  }
  return p;
}

// rows × out = in (rows × inputs) · Wᵀ (W: out × inputs)
Vector dense(const Vector& in, const Vector& w, int rows, int inputs, int out) {
  Vector z(std::size_t(rows * out), 0.0f);
  for (int r = 0; r < rows; ++r)
    for (int o = 0; o < out; ++o) {
      double s = 0;
      for (int i = 0; i < inputs; ++i) s += double(in[std::size_t(r * inputs + i)]) * w[std::size_t(o * inputs + i)];
      z[std::size_t(r * out + o)] = float(s);
    }
  return z;
}

}  // namespace

TEST_CASE("PEPITA conv through the graph equals §3.3 transcribed in plain loops") {
  ConvSetup s("pepita");
  Trainer trainer(s.config, s.data);
  TrainingGraph& graph = trainer.graph();
  Vector w1 = copy_of(graph.layer(0).layer().weights()), w2 = copy_of(graph.layer(1).layer().weights());
  const Vector initial_w1 = w1;
  Vector v1(w1.size(), 0.0f), v2(w2.size(), 0.0f);
  const Vector f = copy_of(graph.input_projection());  // 64 × classes
  trainer.run_epoch(1);

  const float lr = float(s.config.learning_rate), mu = float(s.config.momentum);
  const int positions = conv.output().height * conv.output().width;
  for (int b = 0; b < 3; ++b) {
    const auto samples = batch_samples(s.data.train, s.config, b);
    const int n = int(samples.size());
    Vector x, y(std::size_t(n * classes), 0.0f);
    for (int r = 0; r < n; ++r) {
      x.insert(x.end(), s.data.train.image(samples[std::size_t(r)]), s.data.train.image(samples[std::size_t(r)]) + 64);
      y[std::size_t(r * classes + s.data.train.labels[samples[std::size_t(r)]])] = 1.0f;
    }
    const Vector h1 = conv_forward(conv, n, x, w1, Activation::relu);
    const Vector h2 = softmax_rows(dense(max_pool_forward(pool, n, h1), w2, n, pooled, classes), n);
    Vector e(h2.size());
    for (std::size_t k = 0; k < e.size(); ++k) e[k] = h2[k] - y[k];
    Vector x_err = x;  // x + F·e
    for (int r = 0; r < n; ++r)
      for (int i = 0; i < 64; ++i)
        for (int c = 0; c < classes; ++c)
          x_err[std::size_t(r * 64 + i)] += f[std::size_t(i * classes + c)] * e[std::size_t(r * classes + c)];
    const Vector h1_err = conv_forward(conv, n, x_err, w1, Activation::relu);
    const Vector pooled_err = max_pool_forward(pool, n, h1_err);
    Vector difference(h1.size());
    for (std::size_t k = 0; k < h1.size(); ++k) difference[k] = h1[k] - h1_err[k];
    // Per filter: Σ over positions of difference × modulated patch, ÷ positions, then the batch mean.
    const Vector dw1 = conv_weight_gradient(conv, n, difference, x_err);
    Vector dw2(w2.size(), 0.0f);
    for (int r = 0; r < n; ++r)
      for (int c = 0; c < classes; ++c)
        for (int i = 0; i < pooled; ++i)
          dw2[std::size_t(c * pooled + i)] += e[std::size_t(r * classes + c)] * pooled_err[std::size_t(r * pooled + i)];
    for (std::size_t k = 0; k < w1.size(); ++k) w1[k] -= (v1[k] = mu * v1[k] + lr * dw1[k] / float(positions * n));
    for (std::size_t k = 0; k < w2.size(); ++k) w2[k] -= (v2[k] = mu * v2[k] + lr * dw2[k] / float(n));
  }
  CHECK(largest_difference(graph.layer(0).layer().weights(), initial_w1) > 1e-5);
  CHECK(largest_difference(graph.layer(0).layer().weights(), w1) < 1e-5);
  CHECK(largest_difference(graph.layer(1).layer().weights(), w2) < 1e-5);
}

TEST_CASE("BP through conv, pooling and fc equals a finite-difference gradient") {
  ConvSetup s("bp");
  s.config.momentum = 0;
  s.config.max_batches = 1;
  Trainer trainer(s.config, s.data);
  TrainingGraph& graph = trainer.graph();
  const Vector w1 = copy_of(graph.layer(0).layer().weights()), w2 = copy_of(graph.layer(1).layer().weights());
  const auto samples = batch_samples(s.data.train, s.config, 0);
  const int n = int(samples.size());
  Vector x;
  for (std::uint32_t sample : samples) x.insert(x.end(), s.data.train.image(sample), s.data.train.image(sample) + 64);
  // The mean cross-entropy in double precision, so that a small step resolves the gradient.
  auto loss = [&](const Vector& a, const Vector& b) {
    std::vector<double> h(std::size_t(n) * conv.output().size(), 0.0);
    for_each_tap(conv, n, [&](std::size_t o, std::size_t i, std::size_t w) { h[o] += double(a[w]) * x[i]; });
    for (double& v : h) v = std::max(v, 0.0);
    std::vector<double> p(std::size_t(n * pooled), -1e300);
    for (int r = 0; r < n; ++r)
      for (int c = 0; c < 3; ++c)
        for (int oh = 0; oh < 3; ++oh)
          for (int ow = 0; ow < 3; ++ow)
            for (int kh = 0; kh < 2; ++kh)
              for (int kw = 0; kw < 2; ++kw) {
                double& best = p[std::size_t(((r * 3 + c) * 3 + oh) * 3 + ow)];
                best = std::max(best, h[std::size_t(((r * 3 + c) * 6 + oh * 2 + kh) * 6 + ow * 2 + kw)]);
              }
    double total = 0;
    for (int r = 0; r < n; ++r) {
      double z[classes] = {}, top = -1e300, sum = 0;
      for (int c = 0; c < classes; ++c) {
        for (int i = 0; i < pooled; ++i) z[c] += double(b[std::size_t(c * pooled + i)]) * p[std::size_t(r * pooled + i)];
        top = std::max(top, z[c]);
      }
      for (double v : z) sum += std::exp(v - top);
      total -= z[s.data.train.labels[samples[std::size_t(r)]]] - top - std::log(sum);
    }
    return total / n;
  };
  trainer.run_epoch(1);
  const double eps = 1e-5;
  for (int l = 0; l < 2; ++l) {
    const Vector& before = l == 0 ? w1 : w2;
    const auto after = graph.layer(l).layer().weights();
    double difference = 0, norm = 0;
    for (std::size_t k = 0; k < before.size(); ++k) {
      Vector up = before, down = before;
      up[k] += float(eps);
      down[k] -= float(eps);
      const double numerical = l == 0 ? (loss(up, w2) - loss(down, w2)) / (2 * eps) : (loss(w1, up) - loss(w1, down)) / (2 * eps);
      const double from_graph = double(before[k] - after[k]) / s.config.learning_rate;
      difference += (numerical - from_graph) * (numerical - from_graph);
      norm += numerical * numerical;
    }
    INFO("layer " << l + 1);
    CHECK(norm > 1e-8);
    // The graph works in f32 (it matches an f32 plain-loop chain to ~4e-7); the reference is double.
    CHECK(std::sqrt(difference / norm) < 3e-3);
  }
}

TEST_CASE("every rule trains a conv model through the graph, pooling stage included") {
  for (std::string rule : {"pepita", "bp", "fa", "dfa", "drtp"}) {
    CAPTURE(rule);
    ConvSetup s(rule);
    Trainer trainer(s.config, s.data);
    const Vector before = copy_of(trainer.graph().layer(0).layer().weights());
    trainer.run_epoch(1);
    CHECK(largest_difference(trainer.graph().layer(0).layer().weights(), before) > 0);
    CHECK(std::isfinite(trainer.history().back().train_loss));
    bool has_pool = false;
    for (const auto& [from, to] : trainer.graph().edges()) has_pool |= from == "pool 2";
    CHECK(has_pool);
  }
}

TEST_CASE("model specs: the paper's models, and one-line errors for bad ones") {
  CHECK(expand_model("conv", {}, 10) == "conv32k5-pool2-fc10");
  CHECK(expand_model("fc", {1024}, 10) == "fc1024-fc10");
  const auto stages = parse_model_spec("conv32k5-pool2-fc10", {1, 28, 28}, 10);
  const auto shapes = stage_shapes(stages, {1, 28, 28});
  CHECK(shapes[0].size() == 32 * 24 * 24);
  CHECK(shapes[1].size() == 4608);
  CHECK(stage_shapes(parse_model_spec("conv32k5-pool2-fc10", {3, 32, 32}, 10), {3, 32, 32})[1].size() == 6272);
  CHECK(to_string(parse_model_spec("conv8k3s2p1-pool3s2-fc10", {1, 28, 28}, 10)[0]) == "conv8k3s2p1");
  CHECK_THROWS_WITH_AS(parse_model_spec("conv32k5-fc10-pool2", {1, 28, 28}, 10), doctest::Contains("last stage"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_model_spec("pool2-fc10", {1, 28, 28}, 10), doctest::Contains("follow a convolution"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_model_spec("conv32k50-fc10", {1, 28, 28}, 10), doctest::Contains("does not fit"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_model_spec("fc10-conv3k3-fc10", {1, 28, 28}, 10), doctest::Contains("before fc"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_model_spec("conv32x5-fc10", {1, 28, 28}, 10), doctest::Contains("kernel"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_model_spec("fc0-fc10", {1, 28, 28}, 10), doctest::Contains("not positive"), std::invalid_argument);
}
