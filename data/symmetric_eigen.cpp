#include "data/symmetric_eigen.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace pepita {

namespace {

// Householder reduction of the symmetric matrix v (n × n, row-major) to tridiagonal form: d gets
// the diagonal, e the subdiagonal (e[0] = 0), v the orthogonal transformation.
void householder_tridiagonal(std::vector<double>& v, int n, std::vector<double>& d, std::vector<double>& e) {
  const auto V = [&](int row, int column) -> double& { return v[std::size_t(row) * n + column]; };
  for (int j = 0; j < n; ++j) d[j] = V(n - 1, j);
  for (int i = n - 1; i > 0; --i) {
    double scale = 0, h = 0;
    for (int k = 0; k < i; ++k) scale += std::abs(d[k]);
    if (scale == 0) {
      e[i] = d[i - 1];
      for (int j = 0; j < i; ++j) {
        d[j] = V(i - 1, j);
        V(i, j) = 0;
        V(j, i) = 0;
      }
    } else {
      for (int k = 0; k < i; ++k) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      double f = d[i - 1];
      double g = f > 0 ? -std::sqrt(h) : std::sqrt(h);
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (int j = 0; j < i; ++j) e[j] = 0;
      for (int j = 0; j < i; ++j) {
        f = d[j];
        V(j, i) = f;
        g = e[j] + V(j, j) * f;
        for (int k = j + 1; k <= i - 1; ++k) {
          g += V(k, j) * d[k];
          e[k] += V(k, j) * f;
        }
        e[j] = g;
      }
      f = 0;
      for (int j = 0; j < i; ++j) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const double hh = f / (h + h);
      for (int j = 0; j < i; ++j) e[j] -= hh * d[j];
      for (int j = 0; j < i; ++j) {
        f = d[j];
        g = e[j];
        for (int k = j; k <= i - 1; ++k) V(k, j) -= f * e[k] + g * d[k];
        d[j] = V(i - 1, j);
        V(i, j) = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (int i = 0; i < n - 1; ++i) {
    V(n - 1, i) = V(i, i);
    V(i, i) = 1;
    const double h = d[i + 1];
    if (h != 0) {
      for (int k = 0; k <= i; ++k) d[k] = V(k, i + 1) / h;
      for (int j = 0; j <= i; ++j) {
        double g = 0;
        for (int k = 0; k <= i; ++k) g += V(k, i + 1) * V(k, j);
        for (int k = 0; k <= i; ++k) V(k, j) -= g * d[k];
      }
    }
    for (int k = 0; k <= i; ++k) V(k, i + 1) = 0;
  }
  for (int j = 0; j < n; ++j) {
    d[j] = V(n - 1, j);
    V(n - 1, j) = 0;
  }
  V(n - 1, n - 1) = 1;
  e[0] = 0;
}

// Implicit QL on the tridiagonal (d, e), rotating the rows of w, which holds the transformation
// transposed (eigenvectors as rows, so that a rotation touches two contiguous rows).
void tridiagonal_ql(std::vector<double>& w, int n, std::vector<double>& d, std::vector<double>& e) {
  const auto row = [&](int i) { return w.data() + std::size_t(i) * n; };
  for (int i = 1; i < n; ++i) e[i - 1] = e[i];
  e[n - 1] = 0;
  double f = 0, largest = 0;
  const double eps = std::numeric_limits<double>::epsilon();
  for (int l = 0; l < n; ++l) {
    largest = std::max(largest, std::abs(d[l]) + std::abs(e[l]));
    int m = l;
    while (m < n && std::abs(e[m]) > eps * largest) ++m;
    if (m == n) m = n - 1;  // e[n − 1] = 0: never reached
    if (m > l) {
      int iterations = 0;
      do {
        if (++iterations > 60) throw std::runtime_error("symmetric_eigen: QL did not converge");
        double g = d[l];
        double p = (d[l + 1] - g) / (2 * e[l]);
        double r = std::hypot(p, 1.0);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const double dl1 = d[l + 1];
        double h = g - d[l];
        for (int i = l + 2; i < n; ++i) d[i] -= h;
        f += h;
        p = d[m];
        double c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
        const double el1 = e[l + 1];
        for (int i = m - 1; i >= l; --i) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = std::hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          double* a = row(i);
          double* b = row(i + 1);
          for (int k = 0; k < n; ++k) {
            const double next = b[k];
            b[k] = s * a[k] + c * next;
            a[k] = c * a[k] - s * next;
          }
        }
        p = -s * s2 * c3 * el1 * e[l] / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (std::abs(e[l]) > eps * largest);
    }
    d[l] += f;
    e[l] = 0;
  }
}

}  // namespace

SymmetricEigen symmetric_eigen(std::vector<double> matrix, int n) {
  if (n < 1 || matrix.size() != std::size_t(n) * std::size_t(n))
    throw std::invalid_argument("symmetric_eigen: the matrix is not " + std::to_string(n) + " × " + std::to_string(n));
  std::vector<double> d(n), e(n);
  householder_tridiagonal(matrix, n, d, e);
  std::vector<double> transposed(matrix.size());
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) transposed[std::size_t(j) * n + i] = matrix[std::size_t(i) * n + j];
  tridiagonal_ql(transposed, n, d, e);
  std::vector<int> order(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](int a, int b) { return d[a] < d[b]; });
  SymmetricEigen result{.n = n, .values = std::vector<double>(n), .vectors = std::vector<double>(matrix.size())};
  for (int i = 0; i < n; ++i) {
    result.values[i] = d[order[i]];
    std::copy_n(transposed.data() + std::size_t(order[i]) * n, n, result.vectors.data() + std::size_t(i) * n);
  }
  return result;
}

}  // namespace pepita
