#include "exact_tsne.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

namespace pepita::cli::reproduce {

namespace {

constexpr double exaggeration = 12;
constexpr double smallest_gain = 0.01;

// ‖a − b‖² of every pair, n × n.
std::vector<double> squared_distances(const std::vector<float>& points, std::size_t n, std::size_t dimensions) {
  std::vector<double> distances(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const float* a = points.data() + i * dimensions;
    for (std::size_t j = i + 1; j < n; ++j) {
      const float* b = points.data() + j * dimensions;
      double sum = 0;
      for (std::size_t d = 0; d < dimensions; ++d) {
        const double diff = double(a[d]) - double(b[d]);
        sum += diff * diff;
      }
      distances[i * n + j] = distances[j * n + i] = sum;
    }
  }
  return distances;
}

// P_{j|i} ∝ exp(−β_i·d_ij) with β_i found by bisection so that the row's entropy is ln(perplexity);
// then P = (P_{j|i} + P_{i|j}) / 2n, symmetric, summing to 1.
std::vector<double> input_affinities(const std::vector<double>& distances, std::size_t n, double perplexity) {
  std::vector<double> p(n * n, 0.0);
  const double target = std::log(perplexity);
  for (std::size_t i = 0; i < n; ++i) {
    const double* row = distances.data() + i * n;
    double beta = 1, low = 0, high = std::numeric_limits<double>::infinity();
    // Distances relative to the row's nearest, so that exp never underflows for every j at once.
    double nearest = std::numeric_limits<double>::infinity();
    for (std::size_t j = 0; j < n; ++j)
      if (j != i) nearest = std::min(nearest, row[j]);
    double* out = p.data() + i * n;
    for (int step = 0; step < 200; ++step) {
      double sum = 0, weighted = 0;
      for (std::size_t j = 0; j < n; ++j) {
        if (j == i) continue;
        const double shifted = row[j] - nearest;
        out[j] = std::exp(-beta * shifted);
        sum += out[j];
        weighted += shifted * out[j];
      }
      const double entropy = std::log(sum) + beta * weighted / sum;  // H = ln Σ + β·E[d]
      for (std::size_t j = 0; j < n; ++j) out[j] /= sum;
      if (std::abs(entropy - target) < 1e-5) break;
      if (entropy > target) {  // too flat: sharpen
        low = beta;
        beta = std::isinf(high) ? beta * 2 : (beta + high) / 2;
      } else {
        high = beta;
        beta = (beta + low) / 2;
      }
    }
    out[i] = 0;
  }
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      const double symmetric = (p[i * n + j] + p[j * n + i]) / (2 * double(n));
      p[i * n + j] = p[j * n + i] = std::max(symmetric, 1e-12);
    }
  return p;
}

}  // namespace

TsneEmbedding exact_tsne(const std::vector<float>& points, int dimensions, const TsneOptions& options) {
  if (dimensions < 1 || points.size() % std::size_t(dimensions) != 0)
    throw std::invalid_argument("t-SNE: the points are not rows of the given dimension");
  const std::size_t n = points.size() / std::size_t(dimensions);
  if (double(n) < 3 * options.perplexity + 1)
    throw std::invalid_argument("t-SNE: " + std::to_string(n) + " points are too few for perplexity " +
                                std::to_string(options.perplexity));
  const std::vector<double> p = input_affinities(squared_distances(points, n, std::size_t(dimensions)), n, options.perplexity);

  std::mt19937_64 engine(options.seed);
  std::normal_distribution<double> initial(0, 1e-2);
  std::vector<double> y(2 * n), velocity(2 * n, 0.0), gains(2 * n, 1.0), gradient(2 * n);
  for (double& v : y) v = initial(engine);
  std::vector<double> kernel(n * n);  // (1 + ‖y_i − y_j‖²)⁻¹
  double kl = 0;
  for (int iteration = 0; iteration < options.iterations; ++iteration) {
    const bool exaggerated = iteration < options.exaggerated_iterations;
    const double scale = exaggerated ? exaggeration : 1;
    const double momentum = iteration < 250 ? 0.5 : 0.8;
    double z = 0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j) {
        const double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
        const double k = 1 / (1 + dx * dx + dy * dy);
        kernel[i * n + j] = kernel[j * n + i] = k;
        z += 2 * k;
      }
    // ∂KL/∂y_i = 4 Σ_j (p_ij − q_ij)·(1 + ‖y_i − y_j‖²)⁻¹·(y_i − y_j), q_ij = kernel_ij / Z.
    std::fill(gradient.begin(), gradient.end(), 0.0);
    const bool last = iteration + 1 == options.iterations;
    kl = 0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        if (j == i) continue;
        const double k = kernel[i * n + j];
        const double force = (scale * p[i * n + j] - k / z) * k;
        gradient[2 * i] += 4 * force * (y[2 * i] - y[2 * j]);
        gradient[2 * i + 1] += 4 * force * (y[2 * i + 1] - y[2 * j + 1]);
        if (last) kl += p[i * n + j] * std::log(p[i * n + j] / std::max(k / z, 1e-300));
      }
    for (std::size_t c = 0; c < 2 * n; ++c) {
      // Gains grow where the gradient keeps its direction against the step, shrink where it flips.
      gains[c] = (gradient[c] > 0) != (velocity[c] > 0) ? gains[c] + 0.2 : std::max(gains[c] * 0.8, smallest_gain);
      velocity[c] = momentum * velocity[c] - options.learning_rate * gains[c] * gradient[c];
      y[c] += velocity[c];
    }
    double mean_x = 0, mean_y = 0;  // keep the embedding centred
    for (std::size_t i = 0; i < n; ++i) mean_x += y[2 * i] / double(n), mean_y += y[2 * i + 1] / double(n);
    for (std::size_t i = 0; i < n; ++i) y[2 * i] -= mean_x, y[2 * i + 1] -= mean_y;
  }
  TsneEmbedding embedding{.kl_divergence = kl};
  for (std::size_t i = 0; i < n; ++i) {
    embedding.x.push_back(y[2 * i]);
    embedding.y.push_back(y[2 * i + 1]);
  }
  return embedding;
}

double neighbour_agreement(const TsneEmbedding& embedding, const std::vector<int>& labels, int k) {
  const std::size_t n = embedding.x.size();
  if (labels.size() != n || k < 1 || std::size_t(k) >= n)
    throw std::invalid_argument("neighbour agreement: a label per point and 1 <= k < points are needed");
  double agreeing = 0;
  std::vector<std::pair<double, std::size_t>> by_distance(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const double dx = embedding.x[i] - embedding.x[j], dy = embedding.y[i] - embedding.y[j];
      by_distance[j] = {j == i ? std::numeric_limits<double>::infinity() : dx * dx + dy * dy, j};
    }
    std::partial_sort(by_distance.begin(), by_distance.begin() + k, by_distance.end());
    for (int m = 0; m < k; ++m) agreeing += labels[by_distance[std::size_t(m)].second] == labels[i];
  }
  return agreeing / (double(n) * k);
}

}  // namespace pepita::cli::reproduce
