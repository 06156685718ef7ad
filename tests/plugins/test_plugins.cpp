// Rules and schedulers from outside the library (output_standard_presynaptic_rule.cpp,
// reversed_order_scheduler.cpp): each is one file and one registration line, and the real graph
// trains with them as with the built-in ones.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "../graph/tiny_problem.hpp"
#include "schedulers/scheduler_registry.hpp"
#include "train/trainer.hpp"

using namespace pepita;
using namespace pepita::testing;

namespace pepita::testing {
extern const MessageOrder reversed_order;
}

namespace {

std::vector<std::vector<float>> weights_after_one_batch(TrainConfig config, const DatasetPair& data) {
  config.max_batches = 1;
  Trainer trainer(config, data);
  trainer.run_epoch(1);
  return all_weights(trainer);
}

}  // namespace

TEST_CASE("a rule registered from a test is known by name and listed") {
  CHECK(rule_names().find("pepita-output-standard-pre") != std::string::npos);
  const RuleChoice rule = "pepita-output-standard-pre";
  CHECK(rule.name() == "pepita-output-standard-pre");
  CHECK_THROWS_WITH_AS(RuleChoice("pepita-typo"), doctest::Contains("pepita-output-standard-pre"), std::invalid_argument);
}

TEST_CASE("the test rule trains through the real graph: hidden layers as PEPITA, output as pepita-forward") {
  const DatasetPair data = tiny_pair(60);
  TrainConfig config = tiny_config({8, 6});
  config.rule = "pepita-output-standard-pre";
  TrainConfig modulated = tiny_config({8, 6});  // PEPITA: every layer's presynaptic term from the modulated pass
  TrainConfig standard = modulated;             // every presynaptic term from the standard pass
  standard.rule = "pepita-forward";
  const auto mine = weights_after_one_batch(config, data);
  const auto all_modulated = weights_after_one_batch(modulated, data);
  const auto all_standard = weights_after_one_batch(standard, data);
  // One batch: both passes ran on the same initial weights, so each layer's update is its rule's alone.
  for (std::size_t l = 0; l + 1 < mine.size(); ++l) CHECK(mine[l] == all_modulated[l]);
  CHECK(mine.back() == all_standard.back());
  CHECK(mine.back() != all_modulated.back());

  config.epochs = 5;
  config.learning_rate = 0.01;
  config.pepita.f_scale = 0.05f;
  Trainer trainer(config, data);
  trainer.run({});
  CHECK(trainer.history().back().train_loss < trainer.history().front().train_loss);
  CHECK(trainer.graph().batches_held() == 0);
}

TEST_CASE("a scheduler registered from a test is listed, labelled and validated by the registry") {
  CHECK(scheduler_names().find("reversed") != std::string::npos);
  SchedulerSettings settings = parse_scheduler_label("reversed:3");
  CHECK(settings.in_flight == 3);
  CHECK(scheduler_label(settings) == "reversed:3");
  CHECK(make_scheduler(settings)->flow().order.name == reversed_order.name);
  settings.in_flight = 0;
  CHECK_THROWS_WITH_AS(make_scheduler(settings), "--in-flight must be at least 1", std::invalid_argument);
  // Settings made in code are held to the entry's options: one it does not read must keep its default.
  settings = parse_scheduler_label("reversed:3");
  settings.tokens = SchedulerSettings{}.tokens + 1;
  CHECK_THROWS_WITH_AS(make_scheduler(settings), "--tokens: the reversed scheduler does not read it (its options: --in-flight)",
                       std::invalid_argument);
}

TEST_CASE("a label carries the fixed order's lags and reads back as the same settings") {
  const SchedulerSettings settings = parse_scheduler_label("pipelined:4:stash:auto:3,2,1,0");
  CHECK(settings.staleness == Staleness{.fixed = true, .lags = {3, 2, 1, 0}});
  CHECK(scheduler_label(settings) == "pipelined:4:stash:auto:3,2,1,0");
  CHECK(parse_scheduler_label("pipelined:4:stash:auto:fixed").staleness == Staleness{.fixed = true, .lags = {}});
  CHECK(parse_scheduler_label("pipelined:4:stash:auto:2").staleness.lag_of(3, 4) == 2);
  CHECK_THROWS_WITH_AS(parse_scheduler_label("pipelined:4:stash:auto:1,x"),
                       "--staleness: '1,x' is not one of: timing, fixed, LAG, LAG,LAG,… (lags are integers >= 0)", std::invalid_argument);
}

// At layer 1, the standard passes that certainly waited when it took each one: those whose input
// visit had ended before layer 1's previous visit ended. Counts how often it took a newer batch
// over a waiting older one (the reversed order's mark) and how often the opposite (a violation).
struct OrderEvidence {
  int newer_over_older = 0;
  int older_over_newer = 0;
};

OrderEvidence standard_order_at_layer_one(const std::vector<TrainingGraph::NodeTrace>& traces) {
  const auto node = [&](const char* name) {
    const auto found = std::find_if(traces.begin(), traces.end(), [&](const auto& t) { return t.node == name; });
    REQUIRE(found != traces.end());
    return found->slices;
  };
  std::map<std::uint64_t, double> sent;  // batch → end of its input visit
  for (const TraceSlice& s : node("input"))
    if (s.pass == Pass::standard) sent[s.batch] = s.start_us + s.duration_us;
  OrderEvidence evidence;
  std::set<std::uint64_t> taken;
  double previous_end = -1;
  for (const TraceSlice& s : node("hidden 1")) {
    if (s.pass == Pass::standard) {
      for (const auto& [batch, end] : sent) {
        if (taken.count(batch) || batch == s.batch || end >= previous_end) continue;
        ++(batch < s.batch ? evidence.newer_over_older : evidence.older_over_newer);
      }
      taken.insert(s.batch);
    }
    previous_end = s.start_us + s.duration_us;
  }
  return evidence;
}

TEST_CASE("the reversed scheduler trains through the real graph, its order reaching the layers' queues") {
  // A wide first layer on 28×28 inputs: its visits outlast the input node's, so standard passes queue up.
  const DatasetPair data = tiny_pair(160, {1, 28, 28}, 4);
  TrainConfig config = tiny_config({256, 16});
  config.learning_rate = 0.001;
  config.pepita.f_scale = 0.05f;
  config.scheduler.name = "reversed";
  config.scheduler.in_flight = 8;
  config.scheduler.threads = 2;
  config.scheduler.dnnl_threads = 1;
  for (std::string rule : {"pepita", "bp", "pepita-output-standard-pre"}) {
    CAPTURE(rule);
    config.rule = rule;
    OrderEvidence evidence;
    // Whether two standard passes ever wait together depends on timing; a violation never may.
    for (int attempt = 0; attempt < 5 && evidence.newer_over_older == 0; ++attempt) {
      Trainer trainer(config, data);
      trainer.graph().enable_trace();
      trainer.run({});
      CHECK(std::isfinite(trainer.history().back().train_loss));
      CHECK(trainer.graph().batches_held() == 0);
      const OrderEvidence run = standard_order_at_layer_one(trainer.graph().node_traces());
      evidence.newer_over_older += run.newer_over_older;
      evidence.older_over_newer += run.older_over_newer;
    }
    CHECK(evidence.older_over_newer == 0);
    CHECK(evidence.newer_over_older > 0);
  }
}
