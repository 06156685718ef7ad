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
  static_cast<GoldenNet&>(golden) = GoldenNet::from(trainer, config, inputs, classes);
  auto f = trainer.graph().input_projection();
  golden.F.assign(f.begin(), f.end());
  golden.options = config.pepita;
  golden.standard_presynaptic = config.rule == "pepita-forward";
  return golden;
}

void expect_same_weights(Trainer& trainer, const GoldenNet& golden) {
  for (int l = 0; l < golden.layers(); ++l) {
    INFO("layer " << l + 1);
    CHECK(largest_difference(trainer.graph().layer(l).layer().weights(), golden.W[std::size_t(l)]) < 1e-5);
  }
}

void expect_weights_moved(Trainer& trainer, const GoldenNet& initial) {
  for (int l = 0; l < initial.layers(); ++l) {
    INFO("layer " << l + 1);
    // Otherwise agreeing with the golden model would prove nothing.
    CHECK(largest_difference(trainer.graph().layer(l).layer().weights(), initial.W[std::size_t(l)]) > 1e-4);
  }
}

void compare_with_golden(const TrainConfig& config_in) {
  TrainConfig config = config_in;
  const DatasetPair data = tiny_pair();
  config.max_batches = 3;
  Trainer trainer(config, data);
  GoldenPepita golden = golden_from(trainer, config, int(data.train.shape.size()), data.train.classes);
  const GoldenPepita initial = golden;

  trainer.run_epoch(1);
  for (int b = 0; b < 3; ++b)
    golden.step(data.train, batch_samples(data.train, config, b), std::uint64_t(b), float(config.learning_rate));
  expect_weights_moved(trainer, initial);
  expect_same_weights(trainer, golden);
}

}  // namespace

TEST_CASE("PEPITA through the graph equals the paper's equations") {
  TrainConfig config = tiny_config();
  SUBCASE("two hidden layers, Algorithm 1 (standard-pass output error)") {}
  SUBCASE("two hidden layers, modulated-pass output error") { config.pepita.output_error = OutputError::modulated; }
  SUBCASE("standard-pass presynaptic term (pepita-forward)") { config.rule = "pepita-forward"; }
  SUBCASE("one hidden layer") { config.hidden = {8}; }
  SUBCASE("three hidden layers, no dropout") {
    config.hidden = {8, 7, 6};
    config.dropout = 0;
  }
  compare_with_golden(config);
}
