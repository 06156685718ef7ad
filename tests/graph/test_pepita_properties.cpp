// Properties of PEPITA's pieces that hold whatever the numbers.
#include <doctest/doctest.h>

#include <cmath>

#include "graph/projection_node.hpp"
#include "layers/initializers.hpp"
#include "tiny_problem.hpp"
#include "train/trainer.hpp"

using namespace pepita;
using namespace pepita::testing;

TEST_CASE("F is uniform in ±scale·sqrt(6/input_dim) with mean near zero") {
  const int input_dim = 784, classes = 10;
  std::vector<float> f(std::size_t(input_dim) * classes);
  input_projection(f, input_dim, 0.05f, 3);
  const double limit = 0.05 * std::sqrt(6.0 / input_dim);
  double sum = 0, largest = 0;
  for (float v : f) {
    sum += v;
    largest = std::max(largest, double(std::abs(v)));
  }
  CHECK(largest <= limit);
  CHECK(largest > 0.99 * limit);
  const double std_of_mean = limit / std::sqrt(3.0) / std::sqrt(double(f.size()));
  CHECK(std::abs(sum / double(f.size())) < 4 * std_of_mean);
}

TEST_CASE("the ablation's perturbation k·r: r uniform from 0 to 1 or, symmetric, from -1 to 1, fixed by the batch") {
  const float k = 0.1f;
  const CounterRng batch_7(3, rng_stream::perturbation, 7), batch_8(3, rng_stream::perturbation, 8);
  std::vector<float> r(100000), again(r.size()), other(r.size());
  for (const Perturbation kind : {Perturbation::random, Perturbation::random_symmetric}) {
    const bool symmetric = kind == Perturbation::random_symmetric;
    CAPTURE(symmetric);
    draw_perturbation(r, kind, k, batch_7);
    draw_perturbation(again, kind, k, batch_7);
    draw_perturbation(other, kind, k, batch_8);
    CHECK(r == again);
    CHECK(r != other);
    double sum = 0, low = k, high = -k;
    for (float v : r) {
      sum += v;
      low = std::min(low, double(v));
      high = std::max(high, double(v));
    }
    CHECK(low >= (symmetric ? -k : 0.0f));
    CHECK(high < k);
    // Both ends nearly reached, and the mean at the middle: k/2, or 0 when symmetric, within 4σ.
    CHECK(low < (symmetric ? -0.99 * k : 0.01 * k));
    CHECK(high > 0.99 * k);
    const double width = symmetric ? 2 * k : k, middle = symmetric ? 0 : k / 2;
    CHECK(std::abs(sum / double(r.size()) - middle) < 4 * width / std::sqrt(12.0 * double(r.size())));
  }
  CHECK_THROWS_AS(draw_perturbation(r, Perturbation::error, k, batch_7), std::logic_error);
}

TEST_CASE("dropout masks are a pure function of (seed, layer, batch) with the right keep rate") {
  std::vector<float> a(100000), b(100000), c(100000);
  dropout_mask(a, 0.1f, 5, 0, 42);
  dropout_mask(b, 0.1f, 5, 0, 42);
  dropout_mask(c, 0.1f, 5, 0, 43);
  CHECK(a == b);
  CHECK(a != c);
  std::size_t dropped = 0;
  for (float v : a) {
    CHECK((v == 0.0f || std::abs(v - 1.0f / 0.9f) < 1e-7f));
    dropped += v == 0.0f;
  }
  CHECK(std::abs(double(dropped) / double(a.size()) - 0.1) < 0.005);
}

TEST_CASE("with F = 0 the hidden weights never change and the output layer still learns") {
  const DatasetPair data = tiny_pair();
  TrainConfig config = tiny_config();
  config.pepita.f_scale = 0.0f;
  Trainer trainer(config, data);
  const auto before = all_weights(trainer);
  trainer.run_epoch(1);
  const auto after = all_weights(trainer);
  for (std::size_t l = 0; l + 1 < before.size(); ++l) CHECK(before[l] == after[l]);
  CHECK(before.back() != after.back());
}

TEST_CASE("step decay multiplies the rate after each listed epoch") {
  TrainConfig config;
  config.learning_rate = 0.1;
  config.decay_factor = 0.1;
  config.decay_epochs = {60, 90};
  CHECK(learning_rate_at(config, 1) == doctest::Approx(0.1));
  CHECK(learning_rate_at(config, 60) == doctest::Approx(0.1));
  CHECK(learning_rate_at(config, 61) == doctest::Approx(0.01));
  CHECK(learning_rate_at(config, 90) == doctest::Approx(0.01));
  CHECK(learning_rate_at(config, 91) == doctest::Approx(0.001));
}

TEST_CASE("paper defaults follow Table 2") {
  const TrainConfig mnist = paper_defaults("mnist", "fc", "pepita");
  CHECK(mnist.learning_rate == doctest::Approx(0.1));
  CHECK(mnist.batch_size == 64);
  CHECK(mnist.decay_epochs == std::vector<int>{60});
  CHECK(mnist.hidden == std::vector<int>{1024});
  CHECK(mnist.dropout == doctest::Approx(0.1));
  CHECK(mnist.epochs == 100);
  const TrainConfig cifar = paper_defaults("cifar10", "fc", "pepita");
  CHECK(cifar.learning_rate == doctest::Approx(0.01));
  CHECK(cifar.decay_epochs == std::vector<int>{60, 90});
}

TEST_CASE("each epoch is a permutation, different across epochs") {
  std::vector<std::uint32_t> one(1000), two(1000);
  shuffle_for_epoch(one, 3, 1);
  shuffle_for_epoch(two, 3, 2);
  CHECK(one != two);
  std::sort(one.begin(), one.end());
  for (std::uint32_t i = 0; i < one.size(); ++i) CHECK(one[i] == i);
}

TEST_CASE("the same seed gives bit-identical weights and metrics") {
  const DatasetPair data = tiny_pair(40);
  TrainConfig config = tiny_config();
  config.epochs = 2;
  Trainer first(config, data), second(config, data);
  first.run({});
  second.run({});
  CHECK(all_weights(first) == all_weights(second));
  CHECK(first.history().back().test_loss == second.history().back().test_loss);
  config.seed = 8;
  Trainer other(config, data);
  other.run({});
  CHECK(all_weights(first) != all_weights(other));
}

TEST_CASE("a diverging run stops with a message naming the epoch and batch") {
  const DatasetPair data = tiny_pair(40);
  TrainConfig config = tiny_config();
  config.learning_rate = 1e30;
  config.epochs = 3;
  Trainer trainer(config, data);
  try {
    trainer.run({});
    FAIL("training with η = 1e30 should diverge");
  } catch (const std::exception& e) {
    const std::string message = e.what();
    CHECK(message.find("diverged") != std::string::npos);
    CHECK(message.find("epoch") != std::string::npos);
    CHECK(message.find("batch") != std::string::npos);
  }
}

TEST_CASE("--weight-decay λ adds η·λ·W to each layer's step, in dense and conv layers alike") {
  for (std::string model : {"fc", "conv2k3-pool2-fc4"}) {
    CAPTURE(model);
    const DatasetPair data = tiny_pair(20, {1, 6, 6}, 4);
    TrainConfig config = tiny_config({8});
    config.model = model;
    config.momentum = 0;  // one step from zero velocity: v = scale·ΔW + η·λ·W
    config.max_batches = 1;
    const float lambda = 0.25f;
    Trainer initial(config, data), plain(config, data);
    plain.run_epoch(1);
    config.weight_decay = lambda;
    Trainer decayed(config, data);
    decayed.run_epoch(1);
    const auto w0 = all_weights(initial), w_plain = all_weights(plain), w_decayed = all_weights(decayed);
    const float eta = float(config.learning_rate);
    for (std::size_t l = 0; l < w0.size(); ++l)
      for (std::size_t k = 0; k < w0[l].size(); ++k)
        CHECK(std::abs(w_decayed[l][k] - (w_plain[l][k] - eta * lambda * w0[l][k])) < 1e-6f);
  }
}
