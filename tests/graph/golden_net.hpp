#pragma once
// A plain-loop network for golden-model tests: no graph, no oneDNN, double accumulation. It takes
// the graph's initial weights and the library's dropout masks, so that a difference in trained
// weights is a difference in the maths.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "data/dataset.hpp"
#include "layers/activation.hpp"
#include "layers/initializers.hpp"
#include "train/trainer.hpp"

namespace pepita::testing {

using Vector = std::vector<float>;
using Matrix = std::vector<float>;  // row-major

struct GoldenNet {
  std::vector<int> sizes;  // input, hidden…, classes
  std::vector<Matrix> W;   // W[l]: sizes[l+1] × sizes[l]
  std::vector<Matrix> V;   // momentum
  Activation hidden = Activation::relu, output = Activation::softmax;
  float dropout = 0, momentum = 0.9f;
  std::uint64_t seed = 0;

  int layers() const { return int(W.size()); }
  int in(int l) const { return sizes[std::size_t(l)]; }
  int out(int l) const { return sizes[std::size_t(l) + 1]; }

  // Copies the graph's initial weights.
  static GoldenNet from(Trainer& trainer, const TrainConfig& config, int inputs, int classes) {
    GoldenNet net;
    net.sizes.push_back(inputs);
    for (int h : config.hidden) net.sizes.push_back(h);
    net.sizes.push_back(classes);
    for (int l = 0; l < trainer.graph().layer_count(); ++l) {
      auto w = trainer.graph().layer(l).layer().weights();
      net.W.emplace_back(w.begin(), w.end());
      net.V.emplace_back(w.size(), 0.0f);
    }
    net.dropout = float(config.dropout);
    net.momentum = float(config.momentum);
    net.seed = config.seed;
    return net;
  }

  // The dropout mask of hidden layer l for one sample of a batch (empty: no dropout).
  Vector mask(int l, std::uint64_t batch_id, int rows, int sample, std::uint64_t stream = rng_stream::dropout) const {
    if (l == layers() - 1 || dropout <= 0) return {};
    Matrix all(std::size_t(rows) * out(l));
    dropout_mask(all, dropout, seed, std::uint64_t(l), batch_id, stream);
    return Vector(all.begin() + sample * out(l), all.begin() + (sample + 1) * out(l));
  }

  Vector forward(int l, const Vector& x, const Vector& mask) const {
    Vector h(std::size_t(out(l)));
    for (int o = 0; o < out(l); ++o) {
      double z = 0;
      for (int i = 0; i < in(l); ++i) z += double(W[l][std::size_t(o * in(l) + i)]) * x[std::size_t(i)];
      h[std::size_t(o)] = float(z);
    }
    const Activation a = l == layers() - 1 ? output : hidden;
    if (a == Activation::softmax) {
      const float top = *std::max_element(h.begin(), h.end());
      double sum = 0;
      for (float& v : h) sum += (v = std::exp(v - top));
      for (float& v : h) v = float(v / sum);
      return h;
    }
    for (std::size_t o = 0; o < h.size(); ++o) {
      float v = h[o];
      if (a == Activation::relu) v = std::max(v, 0.0f);
      if (a == Activation::tanh) v = std::tanh(v);
      if (a == Activation::sigmoid) v = 1.0f / (1.0f + std::exp(-v));
      h[o] = v * (mask.empty() ? 1.0f : mask[o]);
    }
    return h;
  }

  // All activities of the standard pass: h[0] = x, h[l+1] = layer l's output.
  std::vector<Vector> forward_all(const Vector& x, std::uint64_t batch_id, int rows, int sample) const {
    std::vector<Vector> h{x};
    for (int l = 0; l < layers(); ++l) h.push_back(forward(l, h.back(), mask(l, batch_id, rows, sample)));
    return h;
  }

  // ∂h/∂z of a hidden layer from its output and mask.
  float derivative(float h, float mask) const {
    const float keep = mask;
    if (hidden == Activation::relu) return h > 0 ? keep : 0.0f;
    const float t = keep != 0 ? h / keep : 0.0f;
    return keep * (1 - t * t);
  }

  static void accumulate_outer(Matrix& dW, const Vector& post, const Vector& pre) {
    for (std::size_t o = 0; o < post.size(); ++o)
      for (std::size_t i = 0; i < pre.size(); ++i) dW[o * pre.size() + i] += post[o] * pre[i];
  }

  // SGD with momentum: v ← μv + scale[l]·dW, W ← W − v.
  void apply(const std::vector<Matrix>& dW, const std::vector<float>& scale) {
    for (int l = 0; l < layers(); ++l)
      for (std::size_t k = 0; k < W[l].size(); ++k) {
        V[l][k] = momentum * V[l][k] + scale[std::size_t(l)] * dW[l][k];
        W[l][k] -= V[l][k];
      }
  }

  std::vector<Matrix> zero_updates() const {
    std::vector<Matrix> dW;
    for (const Matrix& w : W) dW.emplace_back(w.size(), 0.0f);
    return dW;
  }
};

// The samples of batch b of epoch 1, as the trainer draws them.
inline std::vector<std::uint32_t> batch_samples(const Dataset& data, const TrainConfig& config, int b) {
  std::vector<std::uint32_t> order(data.size());
  shuffle_for_epoch(order, config.seed, 1);
  return {order.begin() + b * config.batch_size, order.begin() + (b + 1) * config.batch_size};
}

inline double largest_difference(std::span<const float> a, const Matrix& b) {
  double d = 0;
  for (std::size_t k = 0; k < a.size(); ++k) d = std::max(d, double(std::abs(a[k] - b[k])));
  return d;
}

}  // namespace pepita::testing
