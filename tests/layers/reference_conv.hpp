#pragma once
// Plain-loop transcriptions of convolution and max pooling on NCHW batches, accumulated in double,
// for checking the oneDNN layers against. No oneDNN here, on purpose.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "data/dataset.hpp"
#include "layers/activation.hpp"
#include "layers/tensor.hpp"

namespace pepita::testing {

struct ConvGeometry {
  ImageShape input;
  int filters = 0;
  int kernel = 0;
  int stride = 1;
  int padding = 0;

  ImageShape output() const {
    return {filters, (input.height + 2 * padding - kernel) / stride + 1,
            (input.width + 2 * padding - kernel) / stride + 1};
  }
  std::size_t weight_count() const { return std::size_t(filters) * input.channels * kernel * kernel; }
};

// Calls tap(out, in, w) with the flat indices of every product out[n,f,oh,ow] += W[f,c,kh,kw] ×
// in[n,c,oh·s+kh−p, ow·s+kw−p] that lands inside the image: the definition of the convolution.
template <class Tap>
void for_each_tap(const ConvGeometry& g, int rows, Tap tap) {
  const ImageShape in = g.input, out = g.output();
  for (int n = 0; n < rows; ++n)
    for (int f = 0; f < out.channels; ++f)
      for (int oh = 0; oh < out.height; ++oh)
        for (int ow = 0; ow < out.width; ++ow)
          for (int c = 0; c < in.channels; ++c)
            for (int kh = 0; kh < g.kernel; ++kh)
              for (int kw = 0; kw < g.kernel; ++kw) {
                const int ih = oh * g.stride + kh - g.padding, iw = ow * g.stride + kw - g.padding;
                if (ih < 0 || ih >= in.height || iw < 0 || iw >= in.width) continue;
                tap(((std::size_t(n) * out.channels + f) * out.height + oh) * out.width + ow,
                    ((std::size_t(n) * in.channels + c) * in.height + ih) * in.width + iw,
                    ((std::size_t(f) * in.channels + c) * g.kernel + kh) * g.kernel + kw);
              }
}

inline std::vector<float> to_float(const std::vector<double>& values) { return {values.begin(), values.end()}; }

inline float activate(Activation activation, double z) {
  switch (activation) {
    case Activation::relu: return float(std::max(z, 0.0));
    case Activation::tanh: return float(std::tanh(z));
    case Activation::sigmoid: return float(1.0 / (1.0 + std::exp(-z)));
    default: return float(z);
  }
}

// σ(W ∗ in), times the mask when it is not empty.
inline std::vector<float> conv_forward(const ConvGeometry& g, int rows, std::span<const float> in,
                                       std::span<const float> weights, Activation activation,
                                       std::span<const float> mask = {}) {
  std::vector<double> z(rows * g.output().size(), 0.0);
  for_each_tap(g, rows, [&](std::size_t o, std::size_t i, std::size_t w) { z[o] += double(weights[w]) * in[i]; });
  std::vector<float> out(z.size());
  for (std::size_t o = 0; o < z.size(); ++o) out[o] = activate(activation, z[o]) * (mask.empty() ? 1.0f : mask[o]);
  return out;
}

// ΔW = Σ over samples and output positions of post × the matching input patch of pre.
inline std::vector<float> conv_weight_gradient(const ConvGeometry& g, int rows, std::span<const float> post,
                                               std::span<const float> pre) {
  std::vector<double> gradient(g.weight_count(), 0.0);
  for_each_tap(g, rows, [&](std::size_t o, std::size_t i, std::size_t w) { gradient[w] += double(post[o]) * pre[i]; });
  return to_float(gradient);
}

// The gradient with respect to the input of Σ post·(W ∗ in).
inline std::vector<float> conv_backward_data(const ConvGeometry& g, int rows, std::span<const float> post,
                                             std::span<const float> weights) {
  std::vector<double> grad_in(rows * g.input.size(), 0.0);
  for_each_tap(g, rows, [&](std::size_t o, std::size_t i, std::size_t w) { grad_in[i] += double(post[o]) * weights[w]; });
  return to_float(grad_in);
}

struct PoolGeometry {
  ImageShape input;
  int window = 2;
  int stride = 2;

  ImageShape output() const {
    return {input.channels, (input.height - window) / stride + 1, (input.width - window) / stride + 1};
  }
};

// For every pooled value, the flat index of the input it takes: the first maximum of its window.
inline std::vector<std::size_t> max_pool_argmax(const PoolGeometry& g, int rows, std::span<const float> in) {
  const ImageShape src = g.input, dst = g.output();
  std::vector<std::size_t> argmax;
  for (int n = 0; n < rows; ++n)
    for (int c = 0; c < dst.channels; ++c)
      for (int oh = 0; oh < dst.height; ++oh)
        for (int ow = 0; ow < dst.width; ++ow) {
          std::size_t best = 0;
          for (int kh = 0; kh < g.window; ++kh)
            for (int kw = 0; kw < g.window; ++kw) {
              const std::size_t i =
                  ((std::size_t(n) * src.channels + c) * src.height + oh * g.stride + kh) * src.width + ow * g.stride + kw;
              if ((kh == 0 && kw == 0) || in[i] > in[best]) best = i;
            }
          argmax.push_back(best);
        }
  return argmax;
}

inline std::vector<float> max_pool_forward(const PoolGeometry& g, int rows, std::span<const float> in) {
  std::vector<float> out;
  for (std::size_t i : max_pool_argmax(g, rows, in)) out.push_back(in[i]);
  return out;
}

// grad_out added to the input that won each window (overlapping windows may share one).
inline std::vector<float> max_pool_backward(const PoolGeometry& g, int rows, std::span<const float> in,
                                            std::span<const float> grad_out) {
  std::vector<float> grad_in(rows * g.input.size(), 0.0f);
  const std::vector<std::size_t> argmax = max_pool_argmax(g, rows, in);
  for (std::size_t o = 0; o < argmax.size(); ++o) grad_in[argmax[o]] += grad_out[o];
  return grad_in;
}

// Test data: uniform values in [lo, hi), reproducible from the seed.
inline std::vector<float> random_values(std::size_t count, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 engine(seed);
  std::uniform_real_distribution<float> uniform(lo, hi);
  std::vector<float> values(count);
  for (float& v : values) v = uniform(engine);
  return values;
}

// A rows × (values / rows) tensor holding exactly these values.
inline Tensor tensor_of(int rows, std::vector<float> values) {
  Tensor t;
  t.features = int(values.size() / rows);
  t.rows = rows;
  t.storage.assign(values.begin(), values.end());
  return t;
}

// An uninitialised-looking rows × features tensor for a layer to write into.
inline Tensor output_tensor(int rows, std::size_t features) { return tensor_of(rows, std::vector<float>(rows * features, -7.0f)); }

// The largest |actual − expected|, relative to the largest |expected| (at least 1).
inline double max_error(std::span<const float> actual, std::span<const float> expected) {
  double scale = 1.0, worst = 0.0;
  for (float e : expected) scale = std::max(scale, double(std::abs(e)));
  for (std::size_t i = 0; i < expected.size(); ++i) worst = std::max(worst, std::abs(double(actual[i]) - expected[i]));
  return actual.size() == expected.size() ? worst / scale : INFINITY;
}

}  // namespace pepita::testing
