// mnist-hard: MNIST permuted, inverted and with 20% of its training labels wrong.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>

#include "data/stress_set.hpp"
#include "layers/counter_rng.hpp"

using namespace pepita;

namespace {

Dataset fake_mnist(std::size_t count, std::uint64_t seed, const std::string& name) {
  Dataset data;
  data.name = name;
  data.shape = {1, 28, 28};
  data.classes = 10;
  const CounterRng rng(seed, 1);
  for (std::size_t i = 0; i < count * 784; ++i) data.images.push_back(rng.uniform(i) < 0.8f ? 0.0f : rng.uniform(i + 1));
  for (std::size_t s = 0; s < count; ++s) data.labels.push_back(std::int32_t(s % 10));
  return data;
}

}  // namespace

TEST_CASE("mnist-hard permutes and inverts every image the same way and corrupts 20% of the training labels") {
  DatasetPair original{fake_mnist(5000, 1, "mnist/train"), fake_mnist(100, 2, "mnist/test")};
  original.test.images = std::vector<float>(original.train.images.begin(), original.train.images.begin() + 100 * 784);
  DatasetPair hard = original;
  make_stress_set(hard);
  CHECK(hard.train.name == "mnist-hard/train");
  CHECK(hard.test.name == "mnist-hard/test");
  CHECK(hard.test.labels == original.test.labels);  // the clean task is what test accuracy measures
  // One permutation: the test images equal to training images stay equal, and every image keeps
  // its pixel values, inverted, in some order.
  CHECK(std::equal(hard.test.images.begin(), hard.test.images.end(), hard.train.images.begin()));
  for (std::size_t s : {0u, 17u, 4999u}) {
    std::vector<float> before(original.train.image(s), original.train.image(s) + 784);
    std::vector<float> after(hard.train.image(s), hard.train.image(s) + 784);
    for (float& v : after) v = 1.0f - v;
    CHECK(before != after);  // moved
    std::sort(before.begin(), before.end());
    std::sort(after.begin(), after.end());
    for (std::size_t i = 0; i < 784; ++i) CHECK(after[i] == doctest::Approx(before[i]));
  }
  std::size_t changed = 0;
  for (std::size_t s = 0; s < hard.train.size(); ++s) {
    CHECK(hard.train.labels[s] >= 0);
    CHECK(hard.train.labels[s] < 10);
    changed += hard.train.labels[s] != original.train.labels[s];
  }
  CHECK(double(changed) / double(hard.train.size()) == doctest::Approx(stress_label_noise).epsilon(0.1));
  DatasetPair again = original;
  make_stress_set(again);
  CHECK(again.train.images == hard.train.images);  // the same set on every machine
  CHECK(again.train.labels == hard.train.labels);
}
