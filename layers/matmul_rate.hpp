#pragma once
// The rate oneDNN reaches on one matmul shape in one precision on this machine: the yardstick
// for how close a training epoch comes to what the hardware can do (`pepita bench`,
// `pepita info --machine`, matmul_rate). Inputs in the precision, output f32, as the layers run.
#include <string>

#include "layers/precision.hpp"

namespace pepita {

struct MatmulShape {
  int m = 0, k = 0, n = 0;  // C[m×n] = A[m×k]·B[k×n]
  double flops() const { return 2.0 * m * k * n; }
};

struct MatmulRate {
  MatmulShape shape;
  Precision precision = Precision::f32;
  std::string implementation;  // what oneDNN picked, e.g. brg:avx512_core_bf16
  double seconds = 0;          // per call: the median of the timed rounds
  double gflops() const { return seconds > 0 ? shape.flops() / seconds / 1e9 : 0; }
};

// Times the shape after a warm-up: the median over `rounds` rounds of back-to-back calls, each
// round at least ~10 ms long so that the clock's resolution does not matter. Throws what oneDNN
// throws when the precision has no implementation here.
MatmulRate measure_matmul(MatmulShape shape, Precision precision, int rounds = 7);

// What oneDNN picks for the shape and precision, without timing it.
std::string matmul_implementation(MatmulShape shape, Precision precision);

}  // namespace pepita
