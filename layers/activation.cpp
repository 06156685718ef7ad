#include "layers/activation.hpp"

#include <cmath>
#include <stdexcept>

namespace pepita {

std::string to_string(Activation activation) {
  switch (activation) {
    case Activation::identity: return "identity";
    case Activation::relu: return "relu";
    case Activation::tanh: return "tanh";
    case Activation::sigmoid: return "sigmoid";
    case Activation::softmax: return "softmax";
  }
  return "?";
}

void multiply_by_derivative(Tensor& grad, const Tensor& activity, const Tensor* mask, Activation activation) {
  float* g = grad.data();
  const float* h = activity.data();
  const float* m = mask ? mask->data() : nullptr;
  const std::size_t n = activity.size();
  switch (activation) {
    case Activation::identity:
      if (m) {
#pragma omp parallel for simd schedule(static) if (parallel : n >= parallel_pass_values)
        for (std::size_t i = 0; i < n; ++i) g[i] *= m[i];
      }
      return;
    case Activation::relu:  // h > 0 exactly where z > 0 and the unit was kept
      // Two branch-free loops, so that each vectorises.
      if (m) {
#pragma omp parallel for simd schedule(static) if (parallel : n >= parallel_pass_values)
        for (std::size_t i = 0; i < n; ++i) g[i] = h[i] > 0.0f ? g[i] * m[i] : 0.0f;
      } else {
#pragma omp parallel for simd schedule(static) if (parallel : n >= parallel_pass_values)
        for (std::size_t i = 0; i < n; ++i) g[i] = h[i] > 0.0f ? g[i] : 0.0f;
      }
      return;
    case Activation::tanh:  // 1 − tanh², with tanh(z) = h / mask for kept units
#pragma omp parallel for simd schedule(static) if (parallel : n >= parallel_pass_values)
      for (std::size_t i = 0; i < n; ++i) {
        const float keep = m ? m[i] : 1.0f;
        const float t = keep != 0.0f ? h[i] / keep : 0.0f;
        g[i] *= keep * (1.0f - t * t);
      }
      return;
    case Activation::sigmoid:
    case Activation::softmax: break;
  }
  throw std::logic_error("no derivative for a " + to_string(activation) + " hidden layer");
}

void activate(const Tensor& z, const Tensor* extra, const Tensor* mask, Activation activation, Tensor& h) {
  h.rows = z.rows;
  const std::size_t n = z.size();
  const float* a = z.data();
  const float* b = extra ? extra->data() : nullptr;
  const float* m = mask ? mask->data() : nullptr;
  float* out = h.data();
  const auto apply = [&](auto sigma) {
    // One loop per combination, so that each vectorises without a test per element.
    if (b && m) {
#pragma omp parallel for simd schedule(static) if (parallel : n >= parallel_pass_values)
      for (std::size_t i = 0; i < n; ++i) out[i] = sigma(a[i] + b[i]) * m[i];
    } else if (b) {
#pragma omp parallel for simd schedule(static) if (parallel : n >= parallel_pass_values)
      for (std::size_t i = 0; i < n; ++i) out[i] = sigma(a[i] + b[i]);
    } else if (m) {
#pragma omp parallel for simd schedule(static) if (parallel : n >= parallel_pass_values)
      for (std::size_t i = 0; i < n; ++i) out[i] = sigma(a[i]) * m[i];
    } else {
#pragma omp parallel for simd schedule(static) if (parallel : n >= parallel_pass_values)
      for (std::size_t i = 0; i < n; ++i) out[i] = sigma(a[i]);
    }
  };
  switch (activation) {
    case Activation::identity: return apply([](float v) { return v; });
    case Activation::relu: return apply([](float v) { return v > 0.0f ? v : 0.0f; });
    case Activation::tanh: return apply([](float v) { return std::tanh(v); });
    case Activation::sigmoid: return apply([](float v) { return 1.0f / (1.0f + std::exp(-v)); });
    case Activation::softmax: break;
  }
  throw std::logic_error("softmax is not element-wise");
}

namespace {

// values ← values / ‖values‖, in place; all zero stays zero.
void divide_by_norm(std::span<float> values) {
  double squares = 0;
  for (float v : values) squares += double(v) * v;
  if (squares == 0) return;
  const float inverse = float(1.0 / std::sqrt(squares));
  for (float& v : values) v *= inverse;
}

}  // namespace

void divide_by_frobenius_norm(Tensor& activity) { divide_by_norm(activity.values()); }

void divide_samples_by_their_norm(Tensor& activity) {
  for (int s = 0; s < activity.rows; ++s) divide_by_norm({activity.row(s), std::size_t(activity.features)});
}

}  // namespace pepita
