#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "layers/counter_rng.hpp"

namespace pepita {

// He uniform: U(-√(6/fan_in), √(6/fan_in)), the paper's initialisation of every W_l (stream
// rng_stream::weights) and of the baselines' fixed feedback B_l (rng_stream::feedback).
void he_uniform(std::span<float> weights, int fan_in, std::uint64_t seed, std::uint64_t layer,
                std::uint64_t stream = rng_stream::weights);

// He normal: N(0, 2/fan_in), the ICLR 2024 follow-up's default for W_l.
void he_normal(std::span<float> weights, int fan_in, std::uint64_t seed, std::uint64_t layer,
               std::uint64_t stream = rng_stream::weights);

// How W_l is drawn: the paper's He uniform (--w-init he-uniform) or the follow-up's He normal.
enum class WeightInit { he_uniform, he_normal };
void initialize_weights(WeightInit init, std::span<float> weights, int fan_in, std::uint64_t seed, std::uint64_t layer,
                        std::uint64_t stream = rng_stream::weights);

// PEPITA's input projection F (input_dim × classes): U(±scale·√(6/input_dim)); the paper's
// scale is 0.05, so F's standard deviation is 0.05·√(2/input_dim).
void input_projection(std::span<float> f, int input_dim, float scale, std::uint64_t seed);

// The follow-up's F as its code draws it (FOLLOWUP.md §1, "normal"): one factor per layer,
// B_l of shape n_{l-1} × n_l ~ N(0, s²) with s = (scale·√(2/n_0) / √(∏ hidden widths))^{1/L}, so that
// F = B_1⋯B_L has standard deviation scale·√(2/n_0). `widths` is n_0, n_1, …, n_L. The factors
// are returned, each row-major n_{l-1} × n_l.
std::vector<std::vector<float>> feedback_factors(std::span<const int> widths, float scale, std::uint64_t seed);
// −B_1⋯B_L into f (n_0 × n_L, row-major). The follow-up's input is x − B_1⋯B_L·e where the paper's
// is x + F·e, so the sign is folded into F and the input node adds as always.
void factored_input_projection(std::span<float> f, std::span<const std::vector<float>> factors, std::span<const int> widths);

// Feedback mirroring's noise for layer `layer` and one batch (FOLLOWUP.md §2): 0.1·N(0, 1), minus
// the mean of all its entries. A pure function of its arguments, so that the layer that answers
// it and the projection that learns from the answer draw the same ξ.
void mirror_noise(std::span<float> noise, std::uint64_t seed, std::uint64_t layer, std::uint64_t batch);

// Inverted dropout mask for one layer and one batch: 0 with probability `drop`, else 1/(1-drop).
// Drawn from (seed, layer, batch), so both passes of a batch see the same mask.
void dropout_mask(std::span<float> mask, float drop, std::uint64_t seed, std::uint64_t layer,
                  std::uint64_t batch, std::uint64_t stream = rng_stream::dropout);

}  // namespace pepita
