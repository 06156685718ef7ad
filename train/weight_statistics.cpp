#include "train/weight_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "graph/wire_format.hpp"
#include "layers/dense_layer.hpp"

namespace pepita {

std::vector<double> weight_norms(TrainingGraph& graph) {
  std::vector<double> norms;
  for (int l = 0; l < graph.layer_count(); ++l) {
    const std::vector<std::byte> norm = graph.on_layer_rank(l, [](const LayerNode& node) {
      double squares = 0;
      for (float w : node.layer().weights()) squares += double(w) * w;
      ByteWriter out;
      out.put(std::sqrt(squares));
      return out.take();
    });
    norms.push_back(ByteReader(norm).get<double>());
  }
  return norms;
}

std::optional<double> feedback_angle_degrees(TrainingGraph& graph) {
  if (graph.input_projection().empty()) return std::nullopt;
  for (int l = 0; l < graph.layer_count(); ++l)
    if (!dynamic_cast<const DenseLayer*>(&graph.layer(l).layer())) return std::nullopt;
  // F as its own rank holds it: under feedback mirroring it learns there, and another rank's copy
  // keeps its initial values.
  const std::vector<std::byte> f_bytes = graph.on_projection_rank([&] {
    ByteWriter out;
    out.put_array<float>(graph.input_projection());
    return out.take();
  });
  const std::vector<float> f = ByteReader(f_bytes).get_array<float>();
  // P = W_L⋯W_1 (classes × inputs), from the output down, so every product is classes rows tall.
  // Each layer's rank multiplies in its W, and the product goes on to the next layer's.
  const std::size_t classes = std::size_t(graph.layer(graph.layer_count() - 1).layer().outputs());
  std::vector<double> path;
  for (int l = graph.layer_count() - 1; l >= 0; --l) {
    const std::vector<std::byte> product = graph.on_layer_rank(l, [&](const LayerNode& node) {
      const Layer& layer = node.layer();
      const std::span<const float> w = layer.weights();  // inner × inputs
      std::vector<double> next;
      if (path.empty()) {
        next.assign(w.begin(), w.end());
      } else {
        const std::size_t inner = std::size_t(layer.outputs()), inputs = std::size_t(layer.inputs());
        next.assign(classes * inputs, 0.0);
        for (std::size_t c = 0; c < classes; ++c)
          for (std::size_t k = 0; k < inner; ++k) {
            const double p = path[c * inner + k];
            for (std::size_t i = 0; i < inputs; ++i) next[c * inputs + i] += p * w[k * inputs + i];
          }
      }
      ByteWriter out;
      out.put_array<double>(next);
      return out.take();
    });
    path = ByteReader(product).get_array<double>();
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
