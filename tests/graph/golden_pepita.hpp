#pragma once
// PEPITA transcribed from the paper (eqs. 1–5, Algorithm 1) in plain loops: no graph, no oneDNN.
// It takes the graph's initial W_l and F, the same batches and the same dropout masks, so any
// difference in the trained weights is a difference in the maths.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "data/dataset.hpp"
#include "graph/rule_options.hpp"
#include "layers/initializers.hpp"

namespace pepita::testing {

using Matrix = std::vector<float>;  // row-major

struct GoldenPepita {
  std::vector<int> sizes;     // input, hidden…, classes
  std::vector<Matrix> W;      // W[l]: sizes[l+1] × sizes[l]
  std::vector<Matrix> V;      // momentum
  Matrix F;                   // input × classes
  float dropout = 0, momentum = 0.9f;
  std::uint64_t seed = 0;
  PepitaOptions options;

  int layers() const { return int(W.size()); }

  // h = σ(W·x) ⊙ mask for one sample; the last layer is a softmax.
  std::vector<float> layer_forward(int l, const std::vector<float>& x, const std::vector<float>& mask) const {
    const int in = sizes[l], out = sizes[l + 1];
    std::vector<float> h(out);
    for (int o = 0; o < out; ++o) {
      double z = 0;
      for (int i = 0; i < in; ++i) z += double(W[l][o * in + i]) * x[i];
      h[o] = float(z);
    }
    if (l == layers() - 1) {
      const float top = *std::max_element(h.begin(), h.end());
      double sum = 0;
      for (float& v : h) sum += (v = std::exp(v - top));
      for (float& v : h) v = float(v / sum);
    } else {
      for (int o = 0; o < out; ++o) h[o] = std::max(h[o], 0.0f) * (mask.empty() ? 1.0f : mask[o]);
    }
    return h;
  }

  // One training step on a batch (ids seed the dropout masks exactly as the graph does).
  void step(const Dataset& data, const std::vector<std::uint32_t>& samples, std::uint64_t batch_id, float lr) {
    const int n = int(samples.size()), L = layers();
    // masks[l]: n × sizes[l+1], hidden layers only
    std::vector<Matrix> masks(L);
    for (int l = 0; l < L - 1; ++l) {
      masks[l].resize(std::size_t(n) * sizes[l + 1]);
      if (dropout > 0) dropout_mask(masks[l], dropout, seed, std::uint64_t(l), batch_id);
      else std::fill(masks[l].begin(), masks[l].end(), 1.0f);
    }
    auto mask_of = [&](int l, int s) {
      if (l == L - 1) return std::vector<float>{};
      return std::vector<float>(masks[l].begin() + s * sizes[l + 1], masks[l].begin() + (s + 1) * sizes[l + 1]);
    };
    std::vector<Matrix> dW(L);
    for (int l = 0; l < L; ++l) dW[l].assign(W[l].size(), 0.0f);

    for (int s = 0; s < n; ++s) {
      const std::uint32_t sample = samples[s];
      std::vector<float> x(data.image(sample), data.image(sample) + sizes[0]);
      // standard pass
      std::vector<std::vector<float>> h{x};
      for (int l = 0; l < L; ++l) h.push_back(layer_forward(l, h.back(), mask_of(l, s)));
      std::vector<float> e = h.back();
      e[data.labels[sample]] -= 1.0f;
      // modulated pass: x + F·e
      std::vector<float> x_err(x);
      for (int i = 0; i < sizes[0]; ++i)
        for (int c = 0; c < sizes[L]; ++c) x_err[i] += F[i * sizes[L] + c] * e[c];
      std::vector<std::vector<float>> h_err{x_err};
      for (int l = 0; l < L; ++l) h_err.push_back(layer_forward(l, h_err.back(), mask_of(l, s)));
      // updates
      for (int l = 0; l < L; ++l) {
        std::vector<float> post(sizes[l + 1]);
        if (l < L - 1) {
          for (int o = 0; o < sizes[l + 1]; ++o) post[o] = h[l + 1][o] - h_err[l + 1][o];
        } else {
          post = options.output_error == OutputError::standard ? h[L] : h_err[L];
          post[data.labels[sample]] -= 1.0f;
        }
        const std::vector<float>& pre = options.presynaptic == Presynaptic::modulated ? h_err[l] : h[l];
        for (int o = 0; o < sizes[l + 1]; ++o)
          for (int i = 0; i < sizes[l]; ++i) dW[l][o * sizes[l] + i] += post[o] * pre[i];
      }
    }
    for (int l = 0; l < L; ++l)
      for (std::size_t k = 0; k < W[l].size(); ++k) {
        V[l][k] = momentum * V[l][k] + lr * dW[l][k] / float(n);
        W[l][k] -= V[l][k];
      }
  }
};

}  // namespace pepita::testing
