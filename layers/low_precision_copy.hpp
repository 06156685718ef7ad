#pragma once
// A bf16 copy of an f32 buffer, in storage that is kept and reused: how a layer hands f32 activity
// or weights to a primitive that reads bf16. One copy holds one buffer at a time; a layer keeps one
// per operand that must coexist (input, weights, …).
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "layers/tensor.hpp"

namespace pepita {

// f32 to bf16 rounded to nearest, ties to even, as oneDNN's reorder rounds (so that a copy made
// here is the one the reorder would make); a NaN stays a NaN. Subnormals round as IEEE rounds
// them; a reorder that runs AVX512-BF16's vcvtneps2bf16 makes them a zero of their sign instead,
// and a bf16 product reads them as zero either way (tests/layers/test_sgd.cpp).
inline std::uint16_t round_to_bf16(float value) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return std::uint16_t((bits >> 16) | 0x40u);
  return std::uint16_t((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

class LowPrecisionCopy {
 public:
  // Converts `count` values at `from`, each times `scale`, rounded as oneDNN's reorder rounds, and
  // returns the copy, valid until the next convert. Scaling on the way spares a pass that would
  // read the scaled values again (the update's η/N·post); times 1 is exact, so an unscaled copy
  // is the reorder's. A loop of our own, not a reorder: oneDNN 2.6's f32→bf16 reorder of a
  // 64 × 784 batch took 56 µs in training (AMD EPYC), this loop 4–5 µs isolated, and it runs once
  // per operand per pass.
  const void* convert(const float* from, std::size_t count, float scale = 1.0f);
  // Room for `count` values, for a pass that makes the copy itself while it writes the f32 values
  // (Sgd::apply_velocity rounds W as it updates it); data() then holds them.
  std::span<std::uint16_t> storage(std::size_t count) {
    if (values_.size() < count) values_.resize(count);
    return {values_.data(), count};
  }
  // The latest copy.
  const void* data() const { return values_.data(); }
  std::size_t capacity_bytes() const { return values_.capacity() * sizeof(std::uint16_t); }

 private:
  std::vector<std::uint16_t, CacheLineAllocator<std::uint16_t>> values_;
};

}  // namespace pepita
