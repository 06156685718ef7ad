#include "layers/initializers.hpp"

#include <cmath>

#include "layers/counter_rng.hpp"
#include "layers/tensor.hpp"

namespace pepita {

namespace {
void fill_symmetric(std::span<float> values, float limit, const CounterRng& rng) {
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = rng.symmetric(i, limit);
}
}  // namespace

void he_uniform(std::span<float> weights, int fan_in, std::uint64_t seed, std::uint64_t layer, std::uint64_t stream) {
  fill_symmetric(weights, std::sqrt(6.0f / float(fan_in)), CounterRng(seed, stream, layer));
}

void he_normal(std::span<float> weights, int fan_in, std::uint64_t seed, std::uint64_t layer, std::uint64_t stream) {
  const CounterRng rng(seed, stream, layer);
  const float deviation = std::sqrt(2.0f / float(fan_in));
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i] = deviation * rng.normal(i);
}

void initialize_weights(WeightInit init, std::span<float> weights, int fan_in, std::uint64_t seed, std::uint64_t layer,
                        std::uint64_t stream) {
  switch (init) {
    case WeightInit::he_uniform: return he_uniform(weights, fan_in, seed, layer, stream);
    case WeightInit::he_normal: return he_normal(weights, fan_in, seed, layer, stream);
  }
}

void input_projection(std::span<float> f, int input_dim, float scale, std::uint64_t seed) {
  fill_symmetric(f, scale * std::sqrt(6.0f / float(input_dim)),
                 CounterRng(seed, rng_stream::input_projection));
}

std::vector<std::vector<float>> feedback_factors(std::span<const int> widths, float scale, std::uint64_t seed) {
  const std::size_t layers = widths.size() - 1;
  double paths = 1.0;  // entries of the product are sums over one path per hidden unit chosen
  for (std::size_t l = 1; l < layers; ++l) paths *= double(widths[l]);
  const double deviation =
      std::pow(double(scale) * std::sqrt(2.0 / double(widths[0])) / std::sqrt(paths), 1.0 / double(layers));
  std::vector<std::vector<float>> factors(layers);
  for (std::size_t l = 0; l < layers; ++l) {
    factors[l].resize(std::size_t(widths[l]) * std::size_t(widths[l + 1]));
    const CounterRng rng(seed, rng_stream::input_projection, l + 1);  // substream 0 is the uniform F
    for (std::size_t i = 0; i < factors[l].size(); ++i) factors[l][i] = float(deviation * rng.normal(i));
  }
  return factors;
}

void factored_input_projection(std::span<float> f, std::span<const std::vector<float>> factors, std::span<const int> widths) {
  // Right to left, so that every product is narrow: P = B_l · P is n_{l-1} × n_L.
  const std::size_t classes = std::size_t(widths.back());
  std::vector<double> product(factors.back().begin(), factors.back().end());
  for (std::size_t l = factors.size() - 1; l-- > 0;) {
    const std::size_t rows = std::size_t(widths[l]), inner = std::size_t(widths[l + 1]);
    std::vector<double> next(rows * classes, 0.0);
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t k = 0; k < inner; ++k) {
        const double b = factors[l][i * inner + k];
        for (std::size_t c = 0; c < classes; ++c) next[i * classes + c] += b * product[k * classes + c];
      }
    product = std::move(next);
  }
  for (std::size_t i = 0; i < f.size(); ++i) f[i] = float(-product[i]);
}

void mirror_noise(std::span<float> noise, std::uint64_t seed, std::uint64_t layer, std::uint64_t batch) {
  const CounterRng rng(seed, rng_stream::mirror_noise, (layer << 40) ^ batch);
  double sum = 0;
  for (std::size_t i = 0; i < noise.size(); ++i) sum += (noise[i] = 0.1f * rng.normal(i));
  const float mean = float(sum / double(noise.size()));
  for (float& v : noise) v -= mean;
}

void dropout_mask(std::span<float> mask, float drop, std::uint64_t seed, std::uint64_t layer,
                  std::uint64_t batch, std::uint64_t stream) {
  const CounterRng rng(seed, stream, (layer << 40) ^ batch);
  const float keep = 1.0f - drop;
  const float kept_value = 1.0f / keep;
  float* m = mask.data();
  const std::size_t n = mask.size();
  // Each value is its own counter's draw, so the threads split the mask without changing it.
#pragma omp parallel for simd schedule(static) if (parallel : n >= parallel_pass_values)
  for (std::size_t i = 0; i < n; ++i) m[i] = rng.uniform(i) < keep ? kept_value : 0.0f;
}

}  // namespace pepita
