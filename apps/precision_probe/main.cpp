// Where bf16 loses PEPITA's learning signal. Layer 1 of the paper's MNIST net (784→1024, ReLU,
// He-uniform W) runs the standard pass on x and the modulated pass on x + F·e (F uniform at the
// paper's scale 0.05, e a typical early-training error), in f32 and in bf16. It prints the relative
// error bf16 makes in h and in the hidden update's term h − h_err. The modulation is under 1% of the
// input, so rounding x and x + F·e to bf16 (8 bits of mantissa) is a large share of the difference.
// usage: precision_probe [--error-size S]   (S scales e; training shrinks it)
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "layers/dense_layer.hpp"

using namespace pepita;

namespace {

constexpr int rows = 64, inputs = 784, outputs = 1024, classes = 10;

Tensor tensor(int features) { return Tensor{AlignedFloats(std::size_t(rows) * features), rows, features}; }

Tensor forward(Precision precision, const std::vector<float>& w, const Tensor& in) {
  DenseLayer layer(inputs, outputs, Activation::relu, 0.0f, precision);
  std::copy(w.begin(), w.end(), layer.weights().begin());
  Tensor out = tensor(outputs);
  layer.forward(in, out, nullptr);
  return out;
}

// ‖a − b‖ / ‖a‖ over all values.
double relative_error(const std::vector<double>& a, const std::vector<double>& b) {
  double norm = 0, error = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    norm += a[i] * a[i];
    error += (a[i] - b[i]) * (a[i] - b[i]);
  }
  return std::sqrt(error / norm);
}

}  // namespace

int main(int argc, char** argv) {
  float error_size = 1.0f;
  if (argc == 3 && std::string(argv[1]) == "--error-size") error_size = std::strtof(argv[2], nullptr);
  else if (argc != 1) {
    std::fprintf(stderr, "usage: precision_probe [--error-size S]\n");
    return 2;
  }
  std::mt19937 engine(1);
  std::uniform_real_distribution<float> uniform(-1, 1), unit(0, 1);
  const float he = std::sqrt(6.0f / inputs);
  std::vector<float> w(std::size_t(inputs) * outputs), f(std::size_t(inputs) * classes);
  for (float& v : w) v = he * uniform(engine);
  for (float& v : f) v = 0.05f * he * uniform(engine);
  // MNIST-like input: a fifth of the pixels lit, in [0, 1).
  Tensor x = tensor(inputs), modulated = tensor(inputs);
  for (float& v : x.storage) v = unit(engine) < 0.2f ? unit(engine) : 0.0f;
  for (int r = 0; r < rows; ++r)
    for (int i = 0; i < inputs; ++i) {
      float fe = 0;  // e = softmax − one-hot: −0.8 at the label, 0.1 elsewhere, times S
      for (int c = 0; c < classes; ++c) fe += f[std::size_t(i) * classes + c] * error_size * (c == r % classes ? -0.8f : 0.1f);
      modulated.storage[std::size_t(r) * inputs + i] = x.storage[std::size_t(r) * inputs + i] + fe;
    }
  std::vector<double> h[2], difference[2];
  for (Precision p : {Precision::f32, Precision::bf16}) {
    const Tensor standard = forward(p, w, x), err = forward(p, w, modulated);
    for (std::size_t i = 0; i < standard.storage.size(); ++i) {
      h[int(p)].push_back(standard.storage[i]);
      difference[int(p)].push_back(double(standard.storage[i]) - err.storage[i]);
    }
  }
  double norm_h = 0, norm_d = 0;
  for (std::size_t i = 0; i < h[0].size(); ++i) {
    norm_h += h[0][i] * h[0][i];
    norm_d += difference[0][i] * difference[0][i];
  }
  std::printf("error size %g: ‖h − h_err‖/‖h‖ %.4f; bf16's relative error in h %.4f, in h − h_err %.4f\n", error_size,
              std::sqrt(norm_d / norm_h), relative_error(h[0], h[1]), relative_error(difference[0], difference[1]));
  return 0;
}
