// The graph-trained weights equal a plain-loop transcription of the paper's equations.
#include <doctest/doctest.h>

#include "golden_pepita.hpp"
#include "tiny_problem.hpp"
#include "train/trainer.hpp"

using namespace pepita;
using namespace pepita::testing;

namespace {

GoldenPepita golden_from(Trainer& trainer, const TrainConfig& config, int inputs, int classes) {
  GoldenPepita golden;
  golden.sizes.push_back(inputs);
  for (int h : config.hidden) golden.sizes.push_back(h);
  golden.sizes.push_back(classes);
  TrainingGraph& graph = trainer.graph();
  for (int l = 0; l < graph.layer_count(); ++l) {
    auto w = graph.layer(l).layer().weights();
    golden.W.emplace_back(w.begin(), w.end());
    golden.V.emplace_back(w.size(), 0.0f);
  }
  auto f = graph.input_projection();
  golden.F.assign(f.begin(), f.end());
  golden.dropout = float(config.dropout);
  golden.momentum = float(config.momentum);
  golden.seed = config.seed;
  golden.options = config.pepita;
  return golden;
}

void expect_same_weights(Trainer& trainer, const GoldenPepita& golden) {
  for (int l = 0; l < golden.layers(); ++l) {
    auto w = trainer.graph().layer(l).layer().weights();
    REQUIRE(w.size() == golden.W[l].size());
    double largest_difference = 0;
    for (std::size_t k = 0; k < w.size(); ++k)
      largest_difference = std::max(largest_difference, double(std::abs(w[k] - golden.W[l][k])));
    INFO("layer " << l + 1);
    CHECK(largest_difference < 1e-5);
  }
}

void expect_weights_moved(Trainer& trainer, const GoldenPepita& initial) {
  for (int l = 0; l < initial.layers(); ++l) {
    auto w = trainer.graph().layer(l).layer().weights();
    double moved = 0;
    for (std::size_t k = 0; k < w.size(); ++k) moved = std::max(moved, double(std::abs(w[k] - initial.W[l][k])));
    INFO("layer " << l + 1);
    CHECK(moved > 1e-4);  // otherwise agreeing with the golden model would prove nothing
  }
}

void compare_with_golden(TrainConfig config) {
  const DatasetPair data = tiny_pair();
  config.max_batches = 3;
  Trainer trainer(config, data);
  GoldenPepita golden = golden_from(trainer, config, int(data.train.shape.size()), data.train.classes);
  const GoldenPepita initial = golden;

  trainer.run_epoch(1);

  std::vector<std::uint32_t> order(data.train.size());
  shuffle_for_epoch(order, config.seed, 1);
  for (int b = 0; b < 3; ++b) {
    std::vector<std::uint32_t> samples(order.begin() + b * config.batch_size, order.begin() + (b + 1) * config.batch_size);
    golden.step(data.train, samples, std::uint64_t(b), float(config.learning_rate));
  }
  expect_weights_moved(trainer, initial);
  expect_same_weights(trainer, golden);
}

}  // namespace

TEST_CASE("PEPITA through the graph equals the paper's equations") {
  TrainConfig config = tiny_config();
  SUBCASE("two hidden layers, Algorithm 1 (standard-pass output error)") {}
  SUBCASE("two hidden layers, modulated-pass output error") { config.pepita.output_error = OutputError::modulated; }
  SUBCASE("standard-pass presynaptic term") { config.pepita.presynaptic = Presynaptic::standard; }
  SUBCASE("one hidden layer") { config.hidden = {8}; }
  SUBCASE("three hidden layers, no dropout") {
    config.hidden = {8, 7, 6};
    config.dropout = 0;
  }
  compare_with_golden(config);
}
