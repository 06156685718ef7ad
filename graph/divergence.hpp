#pragma once
#include <bit>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include "graph/message.hpp"
#include "layers/tensor.hpp"

namespace pepita {

// Training produced NaN or inf; the message names where, so the run can be reproduced.
struct Divergence : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// True when no value is NaN or ±inf. Tests the exponent bits with an OR over the whole span, which
// the compiler vectorises; an early-exit loop over std::isfinite does not (it cost BP on the conv
// model a pass as slow as the convolution).
inline bool all_finite(std::span<const float> values) {
  constexpr std::uint32_t exponent = 0x7f800000u;  // all ones: inf or NaN
  std::uint32_t non_finite = 0;
  const float* v = values.data();
#pragma omp parallel for simd reduction(| : non_finite) schedule(static) if (parallel : values.size() >= parallel_pass_values)
  for (std::size_t i = 0; i < values.size(); ++i)
    non_finite |= std::uint32_t((std::bit_cast<std::uint32_t>(v[i]) & exponent) == exponent);
  return non_finite == 0;
}

// `where` names the place; it is called only on failure, so the check allocates nothing.
template <class Where>
void require_finite(std::span<const float> values, const BatchInfo& batch, Pass pass, Where where) {
  if (all_finite(values)) return;
  throw Divergence("training diverged: non-finite " + std::string(where()) + " in epoch " + std::to_string(batch.epoch + 1) +
                   ", batch " + std::to_string(batch.index + 1) + " (" + to_string(pass) + " pass)");
}

}  // namespace pepita
