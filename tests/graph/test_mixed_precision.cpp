// bf16 through the whole graph: PEPITA's hidden update from one batch lies near f32's. The
// modulation x + F·e differs from x by under 1% at the paper's F scale, so this is the case where
// rounding both passes' inputs to bf16 would swamp the signal; the difference form
// (LayerNode::modulated_as_difference_) keeps it.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "layers/precision.hpp"
#include "tiny_problem.hpp"

using namespace pepita;
using namespace pepita::testing;

namespace {

// ‖a − b‖ / ‖b‖.
double relative_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double difference = 0, norm = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    difference += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    norm += double(b[i]) * b[i];
  }
  return std::sqrt(difference / norm);
}

// W_1 after one batch minus before.
std::vector<float> first_step(TrainConfig config, const DatasetPair& data, Precision precision) {
  config.precision = precision;
  Trainer trainer(config, data);
  const std::vector<float> before = all_weights(trainer).front();
  trainer.run_epoch(1);
  std::vector<float> step = all_weights(trainer).front();
  for (std::size_t i = 0; i < step.size(); ++i) step[i] -= before[i];
  return step;
}

}  // namespace

TEST_CASE("bf16 PEPITA: one batch's update of W_1 is within 3% of f32's at the paper's F scale") {
  if (bf16_support() != Bf16Support::native) {
    MESSAGE("bf16 is not native here (" << bf16_support_problem() << "); skipped");
    return;
  }
  TrainConfig config = tiny_config({64});
  config.pepita.f_scale = 0.05f;
  config.batch_size = 16;
  config.max_batches = 1;
  config.dropout = 0.1;
  SUBCASE("fully connected") {
    const DatasetPair data = tiny_pair(16, {1, 16, 16}, 10);
    const double difference = relative_difference(first_step(config, data, Precision::bf16),
                                                  first_step(config, data, Precision::f32));
    CAPTURE(difference);
    CHECK(difference < 0.03);
    CHECK(difference > 0);  // bf16 did run
  }
  SUBCASE("convolutional") {
    config.model = "conv8k3-fc10";
    const DatasetPair data = tiny_pair(16, {1, 10, 10}, 10);
    const double difference = relative_difference(first_step(config, data, Precision::bf16),
                                                  first_step(config, data, Precision::f32));
    CAPTURE(difference);
    CHECK(difference < 0.03);
    CHECK(difference > 0);
  }
}
