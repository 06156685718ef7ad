#include "data/zca_whitening.hpp"

#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "data/symmetric_eigen.hpp"

namespace pepita {

namespace {

// Rows at a time: the centred copy stays small beside a data set of 60 000 images.
constexpr std::size_t chunk_rows = 2048;

// out (rows × n) = in (rows × n) · b (n × n), row-major, by oneDNN's sgemm.
void multiply(const float* in, std::size_t rows, const float* b, std::size_t n, float beta, float* out) {
  const auto status = dnnl::sgemm('N', 'N', dnnl_dim_t(rows), dnnl_dim_t(n), dnnl_dim_t(n), 1.0f, in, dnnl_dim_t(n),
                                  b, dnnl_dim_t(n), beta, out, dnnl_dim_t(n));
  if (status != dnnl::status::success) throw std::runtime_error("ZCA whitening: oneDNN's sgemm failed");
}

// The images of rows [first, first + rows) minus the mean, into `centred`.
void centre(const Dataset& data, const std::vector<float>& mean, std::size_t first, std::size_t rows,
            std::vector<float>& centred) {
  const std::size_t n = mean.size();
  for (std::size_t r = 0; r < rows; ++r) {
    const float* image = data.image(first + r);
    for (std::size_t p = 0; p < n; ++p) centred[r * n + p] = image[p] - mean[p];
  }
}

}  // namespace

ZcaTransform fit_zca(const Dataset& train, double epsilon) {
  const std::size_t n = train.shape.size(), count = train.size();
  if (count < 2) throw std::invalid_argument("ZCA whitening needs at least two training images");
  if (!(epsilon >= 0) || !std::isfinite(epsilon)) throw std::invalid_argument("ZCA whitening needs ε >= 0");
  ZcaTransform transform{.mean = std::vector<float>(n), .matrix = {}, .eigenvalues = {}, .epsilon = epsilon};
  std::vector<double> sum(n, 0.0);
  for (std::size_t i = 0; i < count; ++i) {
    const float* image = train.image(i);
    for (std::size_t p = 0; p < n; ++p) sum[p] += image[p];
  }
  for (std::size_t p = 0; p < n; ++p) transform.mean[p] = float(sum[p] / double(count));
  // Σ = Xcᵀ·Xc / (count − 1), a chunk of rows at a time: each chunk's product in float, their sum
  // in double.
  std::vector<double> covariance(n * n, 0.0);
  std::vector<float> centred(chunk_rows * n), product(n * n);
  for (std::size_t first = 0; first < count; first += chunk_rows) {
    const std::size_t rows = std::min(chunk_rows, count - first);
    centre(train, transform.mean, first, rows, centred);
    const auto status = dnnl::sgemm('T', 'N', dnnl_dim_t(n), dnnl_dim_t(n), dnnl_dim_t(rows), 1.0f, centred.data(),
                                    dnnl_dim_t(n), centred.data(), dnnl_dim_t(n), 0.0f, product.data(), dnnl_dim_t(n));
    if (status != dnnl::status::success) throw std::runtime_error("ZCA whitening: oneDNN's sgemm failed");
    for (std::size_t i = 0; i < n * n; ++i) covariance[i] += product[i];
  }
  for (std::size_t i = 0; i < n; ++i)  // exactly symmetric, as the eigensolver assumes
    for (std::size_t j = 0; j < i; ++j) covariance[i * n + j] = covariance[j * n + i] = (covariance[i * n + j] + covariance[j * n + i]) / 2;
  for (double& c : covariance) c /= double(count - 1);
  const SymmetricEigen eigen = symmetric_eigen(std::move(covariance), int(n));
  transform.eigenvalues = eigen.values;
  // W = Σ_k u_k·u_kᵀ / √(λ_k + ε). A covariance has λ ≥ 0; rounding can leave −10⁻¹⁷, which ε
  // absorbs, and with ε = 0 such a direction (no variance at all) is left out rather than divided by 0.
  std::vector<double> w(n * n, 0.0);
  for (std::size_t k = 0; k < n; ++k) {
    const double variance = eigen.values[k] + epsilon;
    if (!(variance > 1e-12)) continue;
    const double scale = 1 / std::sqrt(variance);
    const double* u = eigen.vectors.data() + k * n;
    for (std::size_t i = 0; i < n; ++i) {
      const double ui = scale * u[i];
      double* row = w.data() + i * n;
      for (std::size_t j = 0; j < n; ++j) row[j] += ui * u[j];
    }
  }
  transform.matrix.assign(w.begin(), w.end());
  return transform;
}

void apply_zca(const ZcaTransform& transform, Dataset& data) {
  const std::size_t n = transform.mean.size();
  if (data.shape.size() != n)
    throw std::invalid_argument("ZCA whitening: images of " + std::to_string(data.shape.size()) + " values, not " +
                                std::to_string(n));
  std::vector<float> whitened(data.size() * n);
  std::vector<float> centred(chunk_rows * n);
  for (std::size_t first = 0; first < data.size(); first += chunk_rows) {
    const std::size_t rows = std::min(chunk_rows, data.size() - first);
    centre(data, transform.mean, first, rows, centred);
    multiply(centred.data(), rows, transform.matrix.data(), n, 0.0f, whitened.data() + first * n);
  }
  data.images = std::move(whitened);
  data.borrowed_images.reset();
}

void whiten_zca(DatasetPair& data) {
  const ZcaTransform transform = fit_zca(data.train, paper_zca_epsilon);
  apply_zca(transform, data.train);
  apply_zca(transform, data.test);
  const auto [low, high] = std::minmax_element(data.train.images.begin(), data.train.images.end());
  const float offset = *low, range = *high - *low;
  if (!(range > 0)) throw std::invalid_argument("ZCA whitening: the whitened training images are all equal");
  for (Dataset* set : {&data.train, &data.test})
    for (float& v : set->images) v = (v - offset) / range;
}

void apply_whitening(InputWhitening how, DatasetPair& data) {
  switch (how) {
    case InputWhitening::none: return;
    case InputWhitening::zca: whiten_zca(data); return;
  }
}

}  // namespace pepita
