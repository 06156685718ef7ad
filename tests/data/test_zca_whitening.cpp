// ZCA whitening (`pepita train --whiten zca`, the paper's Appendix G) and the symmetric
// eigensolver under it: whitened training data has the identity covariance, and ε shrinks each
// direction's variance to λ/(λ + ε) as the recipe says.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

#include "data/symmetric_eigen.hpp"
#include "data/zca_whitening.hpp"

using namespace pepita;

namespace {

// Correlated samples: x = A·z + offset with z standard normal, so cov(x) = A·Aᵀ.
Dataset correlated_set(std::size_t count, std::uint64_t seed) {
  const double mixing[6][6] = {{1.0, 0.0, 0.0, 0.0, 0.0, 0.0},   {0.8, 0.3, 0.0, 0.0, 0.0, 0.0},
                               {0.5, -0.4, 0.2, 0.0, 0.0, 0.0},  {0.1, 0.1, 0.1, 0.05, 0.0, 0.0},
                               {-0.3, 0.2, 0.0, 0.1, 0.4, 0.0}, {0.0, 0.0, 0.6, 0.0, 0.1, 0.02}};
  Dataset set{.name = "correlated", .shape = {1, 2, 3}, .classes = 2};
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal;
  for (std::size_t i = 0; i < count; ++i) {
    double z[6];
    for (double& v : z) v = normal(engine);
    for (int r = 0; r < 6; ++r) {
      double x = 0.5;
      for (int c = 0; c < 6; ++c) x += mixing[r][c] * z[c];
      set.images.push_back(float(x));
    }
    set.labels.push_back(int(i % 2));
  }
  return set;
}

std::vector<double> covariance(const Dataset& set) {
  const std::size_t n = set.shape.size();
  std::vector<double> mean(n, 0.0), cov(n * n, 0.0);
  for (std::size_t i = 0; i < set.size(); ++i)
    for (std::size_t p = 0; p < n; ++p) mean[p] += set.image(i)[p] / double(set.size());
  for (std::size_t i = 0; i < set.size(); ++i)
    for (std::size_t a = 0; a < n; ++a)
      for (std::size_t b = 0; b < n; ++b)
        cov[a * n + b] += (set.image(i)[a] - mean[a]) * (set.image(i)[b] - mean[b]) / double(set.size() - 1);
  return cov;
}

}  // namespace

TEST_CASE("the symmetric eigensolver finds a known spectrum and vectors that satisfy A·v = λ·v") {
  const std::vector<double> a = {2, 1, 0, 1, 2, 0, 0, 0, 5};
  const SymmetricEigen known = symmetric_eigen(a, 3);
  CHECK(known.values[0] == doctest::Approx(1.0));
  CHECK(known.values[1] == doctest::Approx(3.0));
  CHECK(known.values[2] == doctest::Approx(5.0));

  std::mt19937_64 engine(3);
  std::uniform_real_distribution<double> uniform(-1, 1);
  const int n = 40;
  std::vector<double> m(n * n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j <= i; ++j) m[i * n + j] = m[j * n + i] = uniform(engine);
  const SymmetricEigen eigen = symmetric_eigen(m, n);
  double worst_residual = 0, worst_orthogonality = 0;
  for (int k = 0; k < n; ++k) {
    const double* v = eigen.vectors.data() + k * n;
    for (int i = 0; i < n; ++i) {
      double av = 0;
      for (int j = 0; j < n; ++j) av += m[i * n + j] * v[j];
      worst_residual = std::max(worst_residual, std::abs(av - eigen.values[k] * v[i]));
    }
    for (int l = 0; l < n; ++l) {
      double dot = 0;
      for (int i = 0; i < n; ++i) dot += v[i] * eigen.vectors[l * n + i];
      worst_orthogonality = std::max(worst_orthogonality, std::abs(dot - (k == l ? 1.0 : 0.0)));
    }
  }
  CHECK(worst_residual < 1e-10);
  CHECK(worst_orthogonality < 1e-10);
  CHECK(std::is_sorted(eigen.values.begin(), eigen.values.end()));
  CHECK_THROWS_AS(symmetric_eigen({1, 2, 3}, 2), std::invalid_argument);
}

TEST_CASE("ZCA-whitened training data has the identity covariance, and the test set shares the transform") {
  Dataset train = correlated_set(20000, 1), test = correlated_set(20000, 2);
  const ZcaTransform zca = fit_zca(train, 0.0);
  for (std::size_t a = 0; a < 6; ++a)  // W is symmetric: the zero-phase whitening
    for (std::size_t b = 0; b < 6; ++b) CHECK(zca.matrix[a * 6 + b] == doctest::Approx(zca.matrix[b * 6 + a]).epsilon(1e-5));
  apply_zca(zca, train);
  apply_zca(zca, test);
  const std::vector<double> white = covariance(train), test_white = covariance(test);
  for (std::size_t a = 0; a < 6; ++a)
    for (std::size_t b = 0; b < 6; ++b) {
      CHECK(white[a * 6 + b] == doctest::Approx(a == b ? 1.0 : 0.0).epsilon(1e-3).scale(1));
      // Another sample of the same distribution is nearly white under the training set's W.
      CHECK(test_white[a * 6 + b] == doctest::Approx(a == b ? 1.0 : 0.0).epsilon(0.05).scale(1));
    }
}

TEST_CASE("ε shrinks each direction's variance to λ/(λ + ε), and --whiten zca's recipe ends in [0, 1]") {
  Dataset train = correlated_set(20000, 1);
  const double epsilon = 0.1;
  const ZcaTransform zca = fit_zca(train, epsilon);
  apply_zca(zca, train);
  const std::vector<double> white = covariance(train);
  double trace = 0, expected = 0;
  for (std::size_t a = 0; a < 6; ++a) trace += white[a * 6 + a];
  for (double lambda : zca.eigenvalues) expected += lambda / (lambda + epsilon);
  CHECK(trace == doctest::Approx(expected).epsilon(1e-3));
  CHECK(trace < 5.0);  // the smallest directions (λ ≪ ε) are damped well below 1 each

  DatasetPair pair{correlated_set(5000, 4), correlated_set(1000, 5)};
  whiten_zca(pair);
  const auto [low, high] = std::minmax_element(pair.train.images.begin(), pair.train.images.end());
  CHECK(*low == doctest::Approx(0.0));
  CHECK(*high == doctest::Approx(1.0));
  // Lent images (the Python module's numpy arrays) are copied, never changed in place.
  const Dataset lender = correlated_set(50, 8);
  auto lent = std::make_shared<std::vector<float>>(lender.images);
  Dataset borrowing{.name = "lent", .shape = lender.shape, .classes = 2, .images = {}, .labels = lender.labels,
                    .borrowed_images = std::shared_ptr<const float>(lent, lent->data())};
  apply_zca(zca, borrowing);
  CHECK_FALSE(borrowing.borrowed_images);
  CHECK(borrowing.images.size() == lender.images.size());
  CHECK(*lent == lender.images);
  CHECK(borrowing.images != lender.images);

  Dataset wrong_size{.shape = {1, 1, 5}, .classes = 2};
  CHECK_THROWS_AS(apply_zca(fit_zca(correlated_set(10, 6), 0.1), wrong_size), std::invalid_argument);
  CHECK_THROWS_AS(fit_zca(correlated_set(1, 7), 0.1), std::invalid_argument);
}
