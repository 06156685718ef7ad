#pragma once
// Every eigenvalue and eigenvector of a real symmetric matrix: Householder reduction to a
// tridiagonal matrix, then the implicit QL algorithm (the EISPACK routines tred2 and tql2, as in
// the public-domain JAMA library). O(n³); a 784 × 784 pixel covariance takes about a second.
#include <vector>

namespace pepita {

struct SymmetricEigen {
  int n = 0;
  std::vector<double> values;   // ascending
  std::vector<double> vectors;  // n × n, row i the unit eigenvector of values[i]
};

// `matrix` is n × n, row-major; only symmetric input gives a meaningful answer. Throws
// std::invalid_argument if its size is not n², or std::runtime_error if QL does not converge.
SymmetricEigen symmetric_eigen(std::vector<double> matrix, int n);

}  // namespace pepita
