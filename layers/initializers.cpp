#include "layers/initializers.hpp"

#include <cmath>

#include "layers/counter_rng.hpp"

namespace pepita {

namespace {
void fill_symmetric(std::span<float> values, float limit, const CounterRng& rng) {
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = rng.symmetric(i, limit);
}
}  // namespace

void he_uniform(std::span<float> weights, int fan_in, std::uint64_t seed, std::uint64_t layer, std::uint64_t stream) {
  fill_symmetric(weights, std::sqrt(6.0f / float(fan_in)), CounterRng(seed, stream, layer));
}

void input_projection(std::span<float> f, int input_dim, float scale, std::uint64_t seed) {
  fill_symmetric(f, scale * std::sqrt(6.0f / float(input_dim)),
                 CounterRng(seed, rng_stream::input_projection));
}

void dropout_mask(std::span<float> mask, float drop, std::uint64_t seed, std::uint64_t layer,
                  std::uint64_t batch) {
  const CounterRng rng(seed, rng_stream::dropout, (layer << 40) ^ batch);
  const float keep = 1.0f - drop;
  const float kept_value = 1.0f / keep;
  for (std::size_t i = 0; i < mask.size(); ++i) mask[i] = rng.uniform(i) < keep ? kept_value : 0.0f;
}

}  // namespace pepita
