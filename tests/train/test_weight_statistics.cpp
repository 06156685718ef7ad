// The per-epoch weight measurements (‖W_l‖, the angle between W_L⋯W_1 and Fᵀ) and the warning that
// reads them when the training loss keeps growing.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

#include "../graph/tiny_problem.hpp"
#include "train/loss_growth_watch.hpp"
#include "train/reports.hpp"
#include "train/weight_statistics.hpp"

using namespace pepita;
using namespace pepita::testing;

namespace {

EpochRecord epoch(int number, double loss, std::vector<double> norms) {
  EpochRecord r;
  r.epoch = number;
  r.train_loss = loss;
  r.weight_norms = std::move(norms);
  return r;
}

}  // namespace

TEST_CASE("the angle between W_L⋯W_1 and Fᵀ is the paper's flattened-vector angle") {
  const DatasetPair data = tiny_pair();  // 12 inputs, 4 classes
  TrainConfig config = tiny_config({5});
  Trainer trainer(config, data);
  TrainingGraph& graph = trainer.graph();
  auto w1 = graph.layer(0).layer().weights();  // 5 × 12
  auto w2 = graph.layer(1).layer().weights();  // 4 × 5
  auto f = graph.input_projection();           // 12 × 4
  // W_2·W_1 = [I_4 | 0] (4 × 12): W_1 copies inputs 0…4, W_2 keeps units 0…3.
  std::fill(w1.begin(), w1.end(), 0.0f);
  std::fill(w2.begin(), w2.end(), 0.0f);
  for (int k = 0; k < 5; ++k) w1[std::size_t(k * 12 + k)] = 1.0f;
  for (int c = 0; c < 4; ++c) w2[std::size_t(c * 5 + c)] = 1.0f;
  std::fill(f.begin(), f.end(), 0.0f);
  SUBCASE("aligned") {
    for (int c = 0; c < 4; ++c) f[std::size_t(c * 4 + c)] = 2.0f;  // Fᵀ = 2·[I | 0]
    CHECK(*feedback_angle_degrees(graph) == doctest::Approx(0.0).epsilon(1e-6));
  }
  SUBCASE("anti-aligned") {
    for (int c = 0; c < 4; ++c) f[std::size_t(c * 4 + c)] = -1.0f;
    CHECK(*feedback_angle_degrees(graph) == doctest::Approx(180.0));
  }
  SUBCASE("half overlapping: cos = 1/2") {
    // Fᵀ has ones at (c, c) for c < 2 and at (c, 5 + c) for c < 2: dot 2, norms 2 and √4 = 2.
    for (int c = 0; c < 2; ++c) f[std::size_t(c * 4 + c)] = 1.0f, f[std::size_t((5 + c) * 4 + c)] = 1.0f;
    CHECK(*feedback_angle_degrees(graph) == doctest::Approx(std::acos(0.5) * 180.0 / std::numbers::pi));
  }
  CHECK(weight_norms(graph) == std::vector<double>{std::sqrt(5.0), 2.0});
}

TEST_CASE("the angle exists only for fully connected PEPITA, the norms for every rule") {
  const DatasetPair data = tiny_pair(15, {1, 6, 6}, 4);
  TrainConfig config = tiny_config({5});
  config.rule = "bp";
  Trainer bp(config, data);
  CHECK_FALSE(feedback_angle_degrees(bp.graph()).has_value());
  CHECK(weight_norms(bp.graph()).size() == 2);
  config.rule = "pepita";
  config.model = "conv2k3-pool2-fc4";
  Trainer conv(config, data);
  CHECK_FALSE(feedback_angle_degrees(conv.graph()).has_value());
}

TEST_CASE("every epoch records the norms and the angle, and the metrics CSV carries them") {
  const DatasetPair data = tiny_pair(20);
  TrainConfig config = tiny_config({8, 6});
  config.epochs = 2;
  Trainer trainer(config, data);
  trainer.run({});
  for (const EpochRecord& r : trainer.history()) {
    const bool as_now = r.weight_norms == weight_norms(trainer.graph());
    CHECK(as_now == (r.epoch == 2));  // each epoch's own, the last one's as the weights ended
    REQUIRE(r.feedback_angle_degrees.has_value());
    CHECK(*r.feedback_angle_degrees > 0);
    CHECK(*r.feedback_angle_degrees < 180);
  }
  const std::string csv = metrics_csv(trainer.history());
  CHECK(csv.find("samples_per_second,weight_norm_1,weight_norm_2,weight_norm_3,feedback_angle_deg\n") != std::string::npos);
}

TEST_CASE("a training loss that grows for 5 epochs in a row names the layer whose norm grew fastest") {
  const std::vector<std::string> names{"hidden 1", "hidden 2", "output 3"};
  std::vector<EpochRecord> history{epoch(1, 0.5, {10, 10, 1}), epoch(2, 0.4, {10, 10, 1})};
  for (int e = 3; e <= 6; ++e) history.push_back(epoch(e, 0.4 + 0.01 * e, {10, 10.0 + e, 1}));
  CHECK_FALSE(loss_growth_warning(history, names).has_value());  // 4 rises
  history.push_back(epoch(7, 0.6, {11, 20, 1.5}));
  const auto warning = loss_growth_warning(history, names);
  REQUIRE(warning.has_value());
  CHECK(warning->find("grew for 5 epochs in a row") != std::string::npos);
  CHECK(warning->find("hidden 2's ‖W‖ grew fastest, +100%") != std::string::npos);  // 10 → 20; output +50%
  CHECK(warning->find('\n') == std::string::npos);
  history.push_back(epoch(8, 0.7, {12, 21, 1.6}));
  CHECK_FALSE(loss_growth_warning(history, names).has_value());  // said once per 5 rises, not every epoch
  history.push_back(epoch(9, 0.1, {12, 21, 1.6}));
  CHECK_FALSE(loss_growth_warning(history, names).has_value());
  // A rise while every norm shrinks names no layer.
  for (int e = 10; e <= 14; ++e) history.push_back(epoch(e, 0.1 * e, {12.0 - e * 0.1, 21, 1.6}));
  const auto shrinking = loss_growth_warning(history, names);
  REQUIRE(shrinking.has_value());
  CHECK(shrinking->find("no layer's ‖W‖ grew") != std::string::npos);
}
