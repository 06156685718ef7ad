#pragma once
// t-SNE (van der Maaten & Hinton, JMLR 2008), exact: every pair's affinity and force, O(n²) per
// iteration — a few thousand points, as Fig. 4's embedding of the hidden layer needs. Gaussian
// input affinities calibrated per point to a perplexity, Student-t (one degree of freedom)
// affinities in the embedding, gradient descent on KL(P‖Q) with early exaggeration, momentum and
// per-coordinate gains, as the authors' reference implementation does.
#include <cstdint>
#include <vector>

namespace pepita::cli::reproduce {

struct TsneOptions {
  double perplexity = 30;
  int iterations = 1000;
  int exaggerated_iterations = 250;  // P × 12 for these first iterations, to form clusters early
  double learning_rate = 200;
  std::uint64_t seed = 0;  // of the initial embedding, N(0, 10⁻⁴)
};

struct TsneEmbedding {
  std::vector<double> x, y;  // per point
  double kl_divergence = 0;  // KL(P‖Q) at the end
};

// `points` is count × dimensions, row-major. Throws std::invalid_argument for fewer than 3·perplexity
// + 1 points (the perplexity cannot be reached) or a size that does not match.
TsneEmbedding exact_tsne(const std::vector<float>& points, int dimensions, const TsneOptions& options);

// The fraction of each point's k nearest neighbours (Euclidean) in the embedding that share its
// label, averaged over the points: how well the embedding keeps the classes apart.
double neighbour_agreement(const TsneEmbedding& embedding, const std::vector<int>& labels, int k);

}  // namespace pepita::cli::reproduce
