#pragma once
#include <cstdint>
#include <span>

#include "layers/counter_rng.hpp"

namespace pepita {

// He uniform: U(-√(6/fan_in), √(6/fan_in)), the paper's initialisation of every W_l (stream
// rng_stream::weights) and of the baselines' fixed feedback B_l (rng_stream::feedback).
void he_uniform(std::span<float> weights, int fan_in, std::uint64_t seed, std::uint64_t layer,
                std::uint64_t stream = rng_stream::weights);

// PEPITA's input projection F (input_dim × classes): U(±scale·√(6/input_dim)); the paper's
// scale is 0.05, so F's standard deviation is 0.05·√(2/input_dim).
void input_projection(std::span<float> f, int input_dim, float scale, std::uint64_t seed);

// Inverted dropout mask for one layer and one batch: 0 with probability `drop`, else 1/(1-drop).
// Drawn from (seed, layer, batch), so both passes of a batch see the same mask.
void dropout_mask(std::span<float> mask, float drop, std::uint64_t seed, std::uint64_t layer,
                  std::uint64_t batch);

}  // namespace pepita
