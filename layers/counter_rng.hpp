#pragma once
// Counter-based random numbers: the value for (seed, stream, index) is a pure function, so dropout
// masks and perturbations do not depend on which thread or in which order a batch is processed.
// That is what lets a pipelined run or a resumed run reproduce a sequential one bit for bit.
#include <cmath>
#include <cstdint>

namespace pepita {

// SplitMix64's finaliser: a bijective mix with full avalanche.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A stream of independent values selected by a seed and a tuple of identifiers.
class CounterRng {
 public:
  constexpr CounterRng(std::uint64_t seed, std::uint64_t stream, std::uint64_t substream = 0)
      : key_(mix64(mix64(mix64(seed) ^ stream) ^ substream)) {}

  constexpr std::uint64_t bits(std::uint64_t index) const { return mix64(key_ ^ mix64(index)); }

  // Uniform in [0, 1) with 24 bits, exactly representable as float.
  constexpr float uniform(std::uint64_t index) const {
    return float(bits(index) >> 40) * (1.0f / 16777216.0f);
  }
  // Standard normal, by Box–Muller on the uniforms at 2·index and 2·index + 1; the first is shifted
  // by half a step so that its logarithm is finite.
  float normal(std::uint64_t index) const {
    const double u1 = (double(bits(2 * index) >> 40) + 0.5) * (1.0 / 16777216.0);
    const double u2 = double(bits(2 * index + 1) >> 40) * (1.0 / 16777216.0);
    return float(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
  }
  // Uniform in [-limit, limit).
  constexpr float symmetric(std::uint64_t index, float limit) const {
    return (2.0f * uniform(index) - 1.0f) * limit;
  }

 private:
  std::uint64_t key_;
};

// Stream identifiers, so that no two uses of the same seed draw the same numbers.
namespace rng_stream {
inline constexpr std::uint64_t weights = 1;
inline constexpr std::uint64_t input_projection = 2;  // PEPITA's F
inline constexpr std::uint64_t feedback = 3;          // FA / DFA / DRTP's B_l
inline constexpr std::uint64_t dropout = 4;
inline constexpr std::uint64_t shuffle = 5;
inline constexpr std::uint64_t perturbation = 6;
inline constexpr std::uint64_t dropout_redrawn = 7;   // a second pass's own masks (pepita-mixed-tl)
inline constexpr std::uint64_t mirror_noise = 8;      // feedback mirroring's ξ
inline constexpr std::uint64_t mirror_dropout = 9;    // and its dropout masks
}  // namespace rng_stream

}  // namespace pepita
