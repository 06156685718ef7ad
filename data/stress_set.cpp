#include "data/stress_set.hpp"

#include <numeric>
#include <utility>
#include <vector>

#include "layers/counter_rng.hpp"

namespace pepita {

namespace {

// Its own stream ids, so that no model seed draws the same numbers.
constexpr std::uint64_t stress_seed = 0x5eed;
constexpr std::uint64_t permutation_stream = 1, label_stream = 2;

std::vector<std::size_t> fixed_permutation(std::size_t n) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  const CounterRng rng(stress_seed, permutation_stream);
  for (std::size_t i = n; i-- > 1;) std::swap(order[i], order[rng.bits(i) % (i + 1)]);  // Fisher–Yates
  return order;
}

void permute_and_invert(Dataset& data, const std::vector<std::size_t>& order) {
  const std::size_t features = data.shape.size();
  std::vector<float> image(features);
  for (std::size_t s = 0; s < data.size(); ++s) {
    float* pixels = data.images.data() + s * features;
    for (std::size_t i = 0; i < features; ++i) image[i] = 1.0f - pixels[order[i]];
    std::copy(image.begin(), image.end(), pixels);
  }
}

}  // namespace

void make_stress_set(DatasetPair& pair) {
  const std::vector<std::size_t> order = fixed_permutation(pair.train.shape.size());
  for (Dataset* data : {&pair.train, &pair.test}) {
    permute_and_invert(*data, order);
    data->name = "mnist-hard/" + data->name.substr(data->name.find('/') + 1);
  }
  const CounterRng rng(stress_seed, label_stream);
  const int classes = pair.train.classes;
  for (std::size_t s = 0; s < pair.train.size(); ++s) {
    if (rng.uniform(2 * s) >= stress_label_noise) continue;
    // Another class, uniformly: an offset of 1…classes−1.
    const int offset = 1 + int(rng.bits(2 * s + 1) % std::uint64_t(classes - 1));
    pair.train.labels[s] = (pair.train.labels[s] + offset) % classes;
  }
}

}  // namespace pepita
