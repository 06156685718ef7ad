#include "train/weight_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "layers/dense_layer.hpp"

namespace pepita {

std::vector<double> weight_norms(TrainingGraph& graph) {
  std::vector<double> norms;
  for (int l = 0; l < graph.layer_count(); ++l) {
    double squares = 0;
    for (float w : graph.layer(l).layer().weights()) squares += double(w) * w;
    norms.push_back(std::sqrt(squares));
  }
  return norms;
}

std::optional<double> feedback_angle_degrees(TrainingGraph& graph) {
  const std::span<const float> f = graph.input_projection();
  if (f.empty()) return std::nullopt;
  for (int l = 0; l < graph.layer_count(); ++l)
    if (!dynamic_cast<const DenseLayer*>(&graph.layer(l).layer())) return std::nullopt;
  // P = W_L⋯W_1 (classes × inputs), from the output down, so every product is classes rows tall.
  const Layer& top = graph.layer(graph.layer_count() - 1).layer();
  const std::size_t classes = std::size_t(top.outputs());
  std::vector<double> path(top.weights().begin(), top.weights().end());
  for (int l = graph.layer_count() - 2; l >= 0; --l) {
    const Layer& layer = graph.layer(l).layer();
    const std::size_t inner = std::size_t(layer.outputs()), inputs = std::size_t(layer.inputs());
    const std::span<const float> w = layer.weights();  // inner × inputs
    std::vector<double> next(classes * inputs, 0.0);
    for (std::size_t c = 0; c < classes; ++c)
      for (std::size_t k = 0; k < inner; ++k) {
        const double p = path[c * inner + k];
        for (std::size_t i = 0; i < inputs; ++i) next[c * inputs + i] += p * w[k * inputs + i];
      }
    path = std::move(next);
  }
  // F is inputs × classes: Fᵀ[c][i] = F[i][c].
  const std::size_t inputs = path.size() / classes;
  double dot = 0, path_squares = 0, f_squares = 0;
  for (std::size_t c = 0; c < classes; ++c)
    for (std::size_t i = 0; i < inputs; ++i) {
      const double p = path[c * inputs + i], g = f[i * classes + c];
      dot += p * g;
      path_squares += p * p;
      f_squares += g * g;
    }
  if (path_squares == 0 || f_squares == 0) return std::nullopt;
  return std::acos(std::clamp(dot / std::sqrt(path_squares * f_squares), -1.0, 1.0)) * 180.0 / std::numbers::pi;
}

}  // namespace pepita
