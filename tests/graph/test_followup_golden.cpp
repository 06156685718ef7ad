// The follow-up's settings and rule variants through the graph equal a transcription of its code.
#include <doctest/doctest.h>

#include <cmath>
#include <numeric>

#include "golden_followup.hpp"
#include "tiny_problem.hpp"
#include "train/trainer.hpp"

using namespace pepita;
using namespace pepita::testing;

namespace {

double deviation(std::span<const float> values) {
  double sum = 0, squares = 0;
  for (float v : values) sum += v, squares += double(v) * v;
  const double mean = sum / double(values.size());
  return std::sqrt(squares / double(values.size()) - mean * mean);
}

TrainConfig followup_tiny_config() {
  TrainConfig config = tiny_config({8, 6});
  config.weight_decay = 0.01;  // large, so that a wrong decay shows within three batches
  config.weight_init = WeightInit::he_normal;
  config.pepita.f_init = FeedbackInit::factored;
  return config;
}

void compare_with_golden(const TrainConfig& config_in, FollowupMode mode) {
  TrainConfig config = config_in;
  const DatasetPair data = tiny_pair();
  config.max_batches = 3;
  Trainer trainer(config, data);
  GoldenFollowup golden;
  static_cast<GoldenNet&>(golden) = GoldenNet::from(trainer, config, int(data.train.shape.size()), data.train.classes);
  std::vector<int> widths = golden.sizes;
  golden.F = GoldenFollowup::product(feedback_factors(widths, config.pepita.f_scale, config.seed), widths);
  golden.mode = mode;
  golden.normalize = config.pepita.normalize_activity;
  golden.normalize_per_sample = config.pepita.normalisation_scope == NormalisationScope::sample;
  golden.weight_decay = float(config.weight_decay);
  const std::vector<Matrix> initial = golden.W;

  trainer.run_epoch(1);
  for (int b = 0; b < 3; ++b)
    golden.step(data.train, batch_samples(data.train, config, b), std::uint64_t(b), float(config.learning_rate));
  for (int l = 0; l < golden.layers(); ++l) {
    INFO("layer " << l + 1);
    const auto trained = trainer.graph().layer(l).layer().weights();
    CHECK(largest_difference(trained, initial[std::size_t(l)]) > 1e-4);  // else agreeing proves nothing
    CHECK(largest_difference(trained, golden.W[std::size_t(l)]) < 1e-5);
  }
}

}  // namespace

TEST_CASE("--preset followup is the follow-up's train.py defaults") {
  const TrainConfig config = followup_defaults("mnist", "fc", "pepita");
  CHECK(config.preset == Preset::followup);
  CHECK(config.learning_rate == 0.01);
  CHECK(config.momentum == 0.9);
  CHECK(config.weight_decay == 1e-4);
  CHECK(config.batch_size == 64);
  CHECK(config.epochs == 100);
  CHECK(config.dropout == 0.1);
  CHECK(config.weight_init == WeightInit::he_normal);
  CHECK(config.pepita.f_init == FeedbackInit::factored);
  CHECK(config.pepita.f_scale == 0.05f);
  // torch's MultiStepLR([60, 90]) stepped after each 0-based epoch: 0.01 through epoch 61 (1-based).
  CHECK(learning_rate_at(config, 61) == doctest::Approx(0.01));
  CHECK(learning_rate_at(config, 62) == doctest::Approx(0.001));
  CHECK(learning_rate_at(config, 91) == doctest::Approx(0.001));
  CHECK(learning_rate_at(config, 92) == doctest::Approx(0.0001));
  CHECK(preset_defaults(Preset::paper, "mnist", "fc", "pepita").learning_rate == paper_defaults("mnist", "fc", "pepita").learning_rate);
  CHECK_THROWS_AS(followup_defaults("mnist", "conv", "pepita"), std::invalid_argument);
}

TEST_CASE("He normal and the factored F have the follow-up's deviations") {
  std::vector<float> w(512 * 1024);
  he_normal(w, 1024, 3, 0);
  CHECK(deviation(w) == doctest::Approx(std::sqrt(2.0 / 1024)).epsilon(0.01));
  CHECK(std::abs(std::accumulate(w.begin(), w.end(), 0.0) / double(w.size())) < 1e-3);

  // FOLLOWUP.md §1: the factors' deviation s for 1, 2 and 3 hidden layers of 1024 on MNIST.
  const std::vector<std::pair<std::vector<int>, double>> cases = {
      {{784, 1024, 10}, 0.00888}, {{784, 1024, 1024, 10}, 0.01351}, {{784, 1024, 1024, 1024, 10}, 0.01666}};
  for (const auto& [widths, s] : cases) {
    CAPTURE(widths.size());
    const auto factors = feedback_factors(widths, 0.05f, 0);
    REQUIRE(factors.size() == widths.size() - 1);
    for (const auto& factor : factors) CHECK(deviation(factor) == doctest::Approx(s).epsilon(0.02));
  }
  // And their product has the paper's std(F) = 0.05·√(2/n_0).
  const std::vector<int> widths{784, 256, 256, 10};
  std::vector<float> f(784 * 10);
  factored_input_projection(f, feedback_factors(widths, 0.05f, 1), widths);
  CHECK(deviation(f) == doctest::Approx(0.05 * std::sqrt(2.0 / 784)).epsilon(0.1));
}

TEST_CASE("the graph's factored F is −B_1⋯B_L, so that the input is x − B_1⋯B_L·e as in the follow-up") {
  const TrainConfig config = followup_tiny_config();
  const DatasetPair data = tiny_pair();
  Trainer trainer(config, data);
  const std::vector<int> widths{int(data.train.shape.size()), 8, 6, data.train.classes};
  const Matrix product = GoldenFollowup::product(feedback_factors(widths, config.pepita.f_scale, config.seed), widths);
  const auto f = trainer.graph().input_projection();
  REQUIRE(f.size() == product.size());
  for (std::size_t i = 0; i < f.size(); ++i) CHECK(f[i] == doctest::Approx(-product[i]).epsilon(1e-5));
}

TEST_CASE("PEPITA's follow-up variants through the graph equal the follow-up's code") {
  TrainConfig config = followup_tiny_config();
  FollowupMode mode = FollowupMode::modulated;
  SUBCASE("modulated") {}
  SUBCASE("modulated, normalised activity") { config.pepita.normalize_activity = true; }
  SUBCASE("modulated, each sample's activity normalised, three hidden layers") {
    config.pepita.normalize_activity = true;
    config.pepita.normalisation_scope = NormalisationScope::sample;
    config.hidden = {8, 7, 6};
  }
  SUBCASE("forward") {
    config.rule = "pepita-forward";
    mode = FollowupMode::forward;
  }
  SUBCASE("mixed") {
    config.rule = "pepita-mixed";
    mode = FollowupMode::mixed;
  }
  SUBCASE("mixed_tl") {
    config.rule = "pepita-mixed-tl";
    mode = FollowupMode::mixed_tl;
  }
  SUBCASE("mixed_tl, normalised activity, three hidden layers") {
    config.rule = "pepita-mixed-tl";
    config.pepita.normalize_activity = true;
    config.hidden = {8, 7, 6};
    mode = FollowupMode::mixed_tl;
  }
  SUBCASE("mixed, normalised activity, three hidden layers") {
    config.rule = "pepita-mixed";
    config.pepita.normalize_activity = true;
    config.hidden = {8, 7, 6};
    mode = FollowupMode::mixed;
  }
  compare_with_golden(config, mode);
}

TEST_CASE("feedback mirroring through the graph equals the follow-up's mirror_weights and normalize_B") {
  TrainConfig config = followup_tiny_config();
  config.pepita.mirror = {.every = 1, .pre_epochs = 0, .learning_rate = 0.1f, .decay = 0.5f};
  SUBCASE("every epoch") {}
  SUBCASE("every epoch, normalised activity") { config.pepita.normalize_activity = true; }
  SUBCASE("a pre-training epoch: F learns, W does not") { config.pepita.mirror.pre_epochs = 1; }
  const DatasetPair data = tiny_pair();
  config.max_batches = 3;
  Trainer trainer(config, data);
  GoldenFollowup golden;
  static_cast<GoldenNet&>(golden) = GoldenNet::from(trainer, config, int(data.train.shape.size()), data.train.classes);
  const std::vector<int> widths = golden.sizes;
  for (const auto& factor : feedback_factors(widths, config.pepita.f_scale, config.seed)) golden.factors.push_back(factor);
  golden.F = GoldenFollowup::product(std::vector<std::vector<float>>(golden.factors.begin(), golden.factors.end()), widths);
  golden.normalize = config.pepita.normalize_activity;
  golden.weight_decay = float(config.weight_decay);
  golden.mirror_rate = config.pepita.mirror.learning_rate;
  golden.mirror_decay = config.pepita.mirror.decay;
  golden.f_scale = config.pepita.f_scale;
  const std::vector<Matrix> initial_w = golden.W;
  const Matrix initial_f = golden.F;

  trainer.run_epoch(1);
  const float rate = config.pepita.mirror.pre_epochs >= 1 ? 0.0f : float(config.learning_rate);
  for (int b = 0; b < 3; ++b) {
    golden.step(data.train, batch_samples(data.train, config, b), std::uint64_t(b), rate);
    golden.mirror(std::uint64_t(b), config.batch_size);
  }
  for (int l = 0; l < golden.layers(); ++l) {
    INFO("layer " << l + 1);
    const auto trained = trainer.graph().layer(l).layer().weights();
    CHECK(largest_difference(trained, golden.W[std::size_t(l)]) < 1e-5);
    if (rate == 0) CHECK(largest_difference(trained, initial_w[std::size_t(l)]) == 0);
    const auto factor = trainer.graph().feedback_factors()[std::size_t(l)];
    CHECK(largest_difference(factor, golden.factors[std::size_t(l)]) < 1e-5);
  }
  const auto f = trainer.graph().input_projection();  // −B_1⋯B_L
  Matrix negated(f.begin(), f.end());
  for (float& v : negated) v = -v;
  CHECK(largest_difference(negated, initial_f) > 1e-3);  // F learnt
  CHECK(largest_difference(std::span<const float>(negated), golden.F) < 1e-5);
  CHECK(deviation(negated) == doctest::Approx(config.pepita.f_scale * std::sqrt(2.0 / widths[0])).epsilon(0.05));
}

TEST_CASE("pepita-mixed under gpipe sums its stacked rows as one batch's update") {
  // The stacked update has twice the batch's rows; the flush must still divide by the samples.
  const DatasetPair data = tiny_pair(20);
  TrainConfig config = followup_tiny_config();
  config.rule = "pepita-mixed";
  config.dropout = 0;
  config.momentum = 0;
  config.weight_decay = 0;
  config.batch_size = 10;
  config.max_batches = 1;
  TrainConfig grouped = config;
  grouped.batch_size = 5;
  grouped.max_batches = 2;
  grouped.scheduler.name = "gpipe";
  grouped.scheduler.micro_batches = 2;
  Trainer whole(config, data), split(grouped, data);
  whole.run_epoch(1);
  split.run_epoch(1);
  for (int l = 0; l < whole.graph().layer_count(); ++l)
    CHECK(largest_difference(split.graph().layer(l).layer().weights(),
                             Matrix(whole.graph().layer(l).layer().weights().begin(), whole.graph().layer(l).layer().weights().end())) < 1e-6);
}

TEST_CASE("at batch 1, normalising each sample is normalising the batch") {
  const DatasetPair data = tiny_pair();
  TrainConfig config = followup_tiny_config();
  config.pepita.normalize_activity = true;
  config.batch_size = 1;
  config.max_batches = 5;
  TrainConfig per_sample = config;
  per_sample.pepita.normalisation_scope = NormalisationScope::sample;
  Trainer batch(config, data), sample(per_sample, data);
  batch.run_epoch(1);
  sample.run_epoch(1);
  for (int l = 0; l < batch.graph().layer_count(); ++l) {
    const auto a = batch.graph().layer(l).layer().weights();
    const auto b = sample.graph().layer(l).layer().weights();
    CHECK(std::equal(a.begin(), a.end(), b.begin(), b.end()));
  }
}

TEST_CASE("--normalize-activity and the variants' options are refused where they mean nothing") {
  TrainConfig config = tiny_config();
  config.pepita.normalisation_scope = NormalisationScope::sample;
  CHECK_THROWS_WITH_AS(validate(config), doctest::Contains("--normalize-over sample needs --normalize-activity"), std::invalid_argument);
  config = tiny_config();
  config.pepita.normalize_activity = true;
  config.rule = "bp";
  CHECK_THROWS_WITH_AS(validate(config), doctest::Contains("--normalize-activity applies to the PEPITA rules only"), std::invalid_argument);
  config = tiny_config();
  config.rule = "pepita-mixed";
  config.pepita.output_error = OutputError::modulated;
  CHECK_THROWS_WITH_AS(validate(config), doctest::Contains("--output-error"), std::invalid_argument);
  config = tiny_config();
  config.model = "conv2k3-pool2-fc4";
  config.pepita.f_init = FeedbackInit::factored;
  const DatasetPair data = tiny_pair(15, {1, 6, 6}, 4);
  CHECK_THROWS_WITH_AS(Trainer(config, data), doctest::Contains("--f-init factored needs a fully connected model"), std::invalid_argument);
}

TEST_CASE("MEMPEPITA trains exactly as PEPITA under sequential while its somas keep no activity") {
  const DatasetPair data = tiny_pair(20);
  for (const std::vector<int>& hidden : std::vector<std::vector<int>>{{8}, {8, 7, 6}}) {
    CAPTURE(hidden.size());
    TrainConfig config = tiny_config(hidden);
    config.epochs = 2;
    Trainer pepita(config, data);
    config.rule = "mempepita";
    Trainer mempepita(config, data);
    pepita.run({});
    mempepita.run({});
    CHECK(all_weights(mempepita) == all_weights(pepita));  // the recomputed h_l is the standard pass's, bit for bit
    CHECK(mempepita.history().back().test_loss == pepita.history().back().test_loss);
    for (int l = 0; l < pepita.graph().layer_count(); ++l) {
      CAPTURE(l + 1);
      const LayerMetrics& kept = pepita.graph().layer_metrics(l);
      const LayerMetrics& recomputed = mempepita.graph().layer_metrics(l);
      CHECK(kept.peak_soma_bytes > 0);
      CHECK(recomputed.peak_soma_bytes == 0);
      // Its dendrite holds both halves during the visit: twice PEPITA's modulated activity.
      CHECK(recomputed.peak_dendrite_bytes == 2 * kept.peak_dendrite_bytes);
      CHECK(recomputed.latency_stages == kept.latency_stages);
    }
    CHECK(mempepita.graph().batches_held() == 0);
  }
}
