// The virtual clock: textbook bubbles under unit cost, determinism, real arithmetic that matches
// the flow graph's, the message model against the real nodes, and the memory model against the
// layers' own byte counters.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <tuple>

#include "../graph/tiny_problem.hpp"
#include "schedulers/scheduler_registry.hpp"
#include "simulation/message_model.hpp"
#include "simulation/simulation.hpp"
#include "train/config.hpp"
#include "train/trainer.hpp"

namespace pepita {
namespace {

using testing::all_weights;
using testing::tiny_config;
using testing::tiny_pair;

constexpr ImageShape mnist{1, 28, 28};

// A no-math run of `batches` batches of 4 samples on `devices` devices; returns the simulation.
struct NoMathRun {
  GraphConfig graph;
  std::unique_ptr<Simulation> simulation;
  double bubble() const {
    const VirtualClock& clock = simulation->clock();
    const double busy = std::accumulate(clock.device_busy().begin(), clock.device_busy().end(), 0.0);
    return 1.0 - busy / (double(clock.device_busy().size()) * clock.now());
  }
};

// `count` batches of 4 samples, numbered from 0: a no-math run needs only their rows.
std::vector<BatchHandle> batches_of_four(int count) {
  static std::vector<std::uint32_t> samples(4);
  static BatchPool pool([] { return BatchInfo{}; });
  std::vector<BatchHandle> batches;
  for (int b = 0; b < count; ++b) {
    batches.push_back(pool.acquire());
    batches.back()->id = std::uint64_t(b);
    batches.back()->samples = samples;
  }
  return batches;
}

NoMathRun no_math_run(const std::string& rule, std::vector<int> hidden, const std::string& scheduler, int devices, int batches,
                      SimulationSettings settings = {}) {
  TrainConfig config;
  config.rule = rule;
  config.hidden = std::move(hidden);
  config.scheduler = parse_scheduler_label(scheduler);
  settings.clock = RunClock::virtual_devices;
  settings.no_math = true;
  settings.devices = devices;
  NoMathRun run{graph_config(config, mnist, 10), nullptr};
  run.simulation = std::make_unique<Simulation>(run.graph, settings);
  make_scheduler(config.scheduler)->train(*run.simulation, batches_of_four(batches), {});
  return run;
}

std::vector<int> hidden_layers(int layers) { return std::vector<int>(std::size_t(layers - 1), 32); }

TEST_CASE("unit cost, BP, L layers on L devices: GPipe's bubble is (L-1)/(M+L-1), over one group and over several") {
  for (int layers : {2, 3, 4, 6})
    for (int micro : {1, 2, 4, 8, 16})
      for (int groups : {1, 3}) {
        CAPTURE(layers);
        CAPTURE(micro);
        CAPTURE(groups);
        const NoMathRun run = no_math_run("bp", hidden_layers(layers), "gpipe:" + std::to_string(micro), layers, micro * groups);
        CHECK(run.bubble() == doctest::Approx(double(layers - 1) / double(micro + layers - 1)).epsilon(1e-12));
        CHECK(run.simulation->clock().now() == doctest::Approx(2.0 * groups * (micro + layers - 1)));
      }
}

TEST_CASE("unit cost, BP, L layers on L devices: 1F1B (pipelined, L in flight) has the same bubble, (L-1)/(M+L-1)") {
  for (int layers : {2, 3, 4, 6})
    for (int batches : {layers, 8, 16}) {
      CAPTURE(layers);
      CAPTURE(batches);
      const NoMathRun run = no_math_run("bp", hidden_layers(layers), "pipelined:" + std::to_string(layers), layers, batches);
      CHECK(run.bubble() == doctest::Approx(double(layers - 1) / double(batches + layers - 1)).epsilon(1e-12));
    }
}

TEST_CASE("a rule without a backward chain keeps no device waiting for one: DFA's layers learn from e at once") {
  // Sequential, 4 layers: BP walks the chain up and down (8 stage visits a batch), DFA learns
  // everywhere in one step after the forward pass (5).
  CHECK(no_math_run("bp", hidden_layers(4), "sequential", 4, 3).simulation->clock().now() == 24);
  CHECK(no_math_run("dfa", hidden_layers(4), "sequential", 4, 3).simulation->clock().now() == 15);
}

TEST_CASE("links: a message between devices costs latency plus bytes over bandwidth, its bytes the real tensor sizes") {
  SimulationSettings settings;
  settings.link_latency_seconds = 0.5;
  settings.link_gigabytes_per_second = 1e-9;  // one byte per second: the bytes show in the time
  const NoMathRun near = no_math_run("bp", {32}, "sequential", 2, 1);
  const NoMathRun far = no_math_run("bp", {32}, "sequential", 2, 1, settings);
  // One batch of 4 crosses once up (32 hidden units) and once down (32 again): 2 × (0.5 + 4·32·4).
  CHECK(far.simulation->clock().messages_between_devices() == 2);
  CHECK(far.simulation->clock().bytes_between_devices() == 2 * 4 * 32 * sizeof(float));
  CHECK(far.simulation->clock().now() - near.simulation->clock().now() == doctest::Approx(2 * (0.5 + 4 * 32 * 4)));
}

TEST_CASE("placement: contiguous, interleaved, explicit, and one-line errors for a bad one") {
  const GraphTopology topology(parse_model_spec("fc8-fc8-fc8-fc10", mnist, 10), mnist, 10, *RuleChoice("pepita"));
  CHECK(describe_layers(topology, place_nodes(topology, 2, "contiguous")) == "0,0,1,1");
  CHECK(describe_layers(topology, place_nodes(topology, 3, "contiguous")) == "0,0,1,2");
  CHECK(describe_layers(topology, place_nodes(topology, 2, "interleaved")) == "0,1,0,1");
  CHECK(describe_layers(topology, place_nodes(topology, 2, "1,0,0,1")) == "1,0,0,1");
  CHECK_THROWS_WITH_AS(place_nodes(topology, 5, ""), doctest::Contains("more than the model's 4 learning layers"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(place_nodes(topology, 2, "0,0,1"), doctest::Contains("lists 3 devices for 4"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(place_nodes(topology, 2, "0,0,0,0"), doctest::Contains("leaves device 1 without a layer"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(place_nodes(topology, 2, "0,x,1,1"), doctest::Contains("'x' is not a device number"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(place_nodes(topology, 2, "0,2,1,1"), doctest::Contains("device 2 is not one of the 2 devices"), std::invalid_argument);
}

TEST_CASE("placement balanced: consecutive layers whose costliest run is as cheap as it can be") {
  // Multiply-adds per sample: 784·256, 256², 256², 256·10. By count (contiguous) the first device
  // takes 266k and the second 68k; balanced gives the first layer a device of its own.
  const GraphTopology topology(parse_model_spec("fc256-fc256-fc256-fc10", mnist, 10), mnist, 10, *RuleChoice("pepita"));
  CHECK(describe_layers(topology, place_nodes(topology, 2, "contiguous")) == "0,0,1,1");
  CHECK(describe_layers(topology, place_nodes(topology, 2, "balanced")) == "0,1,1,1");
  CHECK(describe_layers(topology, place_nodes(topology, 3, "balanced")) == "0,1,2,2");
  CHECK(describe_layers(topology, place_nodes(topology, 4, "balanced")) == "0,1,2,3");
  // An empty placement is the asking clock's default.
  CHECK(describe_layers(topology, place_nodes(topology, 2, "")) == "0,0,1,1");
  CHECK(describe_layers(topology, place_nodes(topology, 2, "", "balanced")) == "0,1,1,1");
}

TEST_CASE("placement pool: D workers share every node and one memory, and messages cross no link") {
  const GraphTopology topology(parse_model_spec("fc8-fc8-fc10", mnist, 10), mnist, 10, *RuleChoice("pepita"));
  const Placement pool = place_nodes(topology, 2, "pool");
  CHECK(pool.pool);
  CHECK(pool.devices == 2);
  CHECK(pool.memories() == 1);
  CHECK(describe_layers(topology, pool) == "pool");
  SimulationSettings settings;
  settings.placement = "pool";
  settings.link_latency_seconds = 1.0;  // would show in the time if anything crossed a link
  const NoMathRun run = no_math_run("pepita", {32, 32}, "pipelined:4", 2, 12, settings);
  CHECK(run.simulation->clock().messages_between_devices() == 0);
  CHECK(run.simulation->clock().device_peak_bytes().size() == 1);
  CHECK(run.simulation->clock().device_busy().size() == 2);
}

// Every visit of a run, as (node, pass, batch, start, end), sorted: two runs with the same entries
// made the same visits at the same virtual times.
std::vector<std::tuple<int, Pass, std::uint64_t, double, double>> timed_visits(const VirtualClock& clock) {
  std::vector<std::tuple<int, Pass, std::uint64_t, double, double>> visits;
  for (const SimulatedVisit& v : clock.visits()) visits.emplace_back(v.node, v.pass, v.batch, v.start, v.end);
  std::sort(visits.begin(), visits.end());
  return visits;
}

// A rule, hidden layers and scheduler on the virtual clock with the message model, built directly
// so that any placement and cost model can be given.
struct ClockRun {
  TrainConfig config;
  GraphConfig graph;
  GraphTopology topology;
  ClockRun(const std::string& rule, std::vector<int> hidden, const std::string& scheduler)
      : config(configured(rule, std::move(hidden), scheduler)),
        graph(graph_config(config, mnist, 10)),
        topology(graph.stages, mnist, 10, *graph.rule, graph.flow.backward) {}
  static TrainConfig configured(const std::string& rule, std::vector<int> hidden, const std::string& scheduler) {
    TrainConfig config;
    config.rule = rule;
    config.hidden = std::move(hidden);
    config.scheduler = parse_scheduler_label(scheduler);
    return config;
  }
  // The clock after the run, and the model that made its visits (the clock refers to it).
  struct Timed {
    std::unique_ptr<MessageModel> model;
    std::unique_ptr<VirtualClock> clock;
  };
  // Trains `batches` batches of 4 samples.
  Timed operator()(Placement placement, std::shared_ptr<const CostModel> cost, int batches) const {
    Timed run{std::make_unique<MessageModel>(topology), nullptr};
    run.clock = std::make_unique<VirtualClock>(topology, std::move(placement), std::move(cost), ClockSettings{.flow = graph.flow}, *run.model);
    make_scheduler(config.scheduler)->train(*run.clock, batches_of_four(batches), {});
    return run;
  }
};

TEST_CASE("placement pool: with a worker for every node it is one device per node, and never more visits at once than workers") {
  for (const std::string rule : {"pepita", "bp", "dfa"})
    for (const std::string scheduler : {"sequential", "pipelined:3", "gpipe:4"}) {
      CAPTURE(rule);
      CAPTURE(scheduler);
      const ClockRun clock_run(rule, {16, 16, 16}, scheduler);
      const GraphTopology& topology = clock_run.topology;
      const auto run = [&](Placement placement) { return clock_run(std::move(placement), std::make_shared<UnitCost>(1.0), 12); };
      const auto per_node = run(device_per_node(topology));
      const auto wide_pool = run(place_nodes(topology, topology.size(), "pool"));
      CHECK(timed_visits(*wide_pool.clock) == timed_visits(*per_node.clock));
      for (int workers : {1, 2, 3}) {
        CAPTURE(workers);
        const auto pool = run(place_nodes(topology, workers, "pool"));
        // At each visit's start, the visits under way (this one included) number at most the
        // workers, and none of them is at the same node.
        const std::vector<SimulatedVisit>& visits = pool.clock->visits();
        for (const SimulatedVisit& v : visits) {
          if (v.end == v.start) continue;
          int under_way = 0;
          for (const SimulatedVisit& w : visits)
            if (w.end > w.start && w.start <= v.start && v.start < w.end) {
              ++under_way;
              if (&w != &v) CHECK(w.node != v.node);
            }
          CHECK(under_way <= workers);
        }
        const VirtualClock& one = *pool.clock;
        if (workers == 1) CHECK(one.now() == doctest::Approx(std::accumulate(one.device_busy().begin(), one.device_busy().end(), 0.0)));
      }
    }
}

// Unit cost plus the host's own steps, as a measured profile would give them.
class UnitCostWithHostSteps final : public CostModel {
 public:
  double visit_seconds(const GraphTopology& topology, int node, Pass pass, int rows) const override {
    return UnitCost().visit_seconds(topology, node, pass, rows);
  }
  double round_seconds(const GraphTopology&) const override { return 100; }
  double flush_seconds(const GraphTopology&, int rows) const override { return 1000 + rows; }
  double handoff_seconds(const GraphTopology&) const override { return 0.25; }
};

TEST_CASE("the host's steps: a training call's start and drain, GPipe's flush, and every message's hand-over cost what the model says") {
  const auto host = std::make_shared<UnitCostWithHostSteps>();
  const auto unit = std::make_shared<UnitCost>();
  // BP, 2 layers on 1 device, one batch: input → hidden → output → error → output → hidden, 4
  // stage visits and 5 messages between visits (the limiter's admission is the call's start).
  const ClockRun sequential("bp", {16}, "sequential");
  const Placement one = place_nodes(sequential.topology, 1, "contiguous");
  CHECK(sequential(one, unit, 1).clock->now() == 4);
  CHECK(sequential(one, host, 1).clock->now() == 4 + 100 + 5 * 0.25);
  // Two batches in one call: the second is admitted when the first completes, one hand-over later.
  CHECK(sequential(one, host, 2).clock->now() == 8 + 100 + 11 * 0.25);
  // GPipe, groups of 2 micro-batches of 4 samples: each group is a call and ends with a flush of 8.
  const ClockRun gpipe("bp", {16}, "gpipe:2");
  const double untimed = gpipe(one, unit, 4).clock->now();
  const auto timed = gpipe(one, host, 4);
  CHECK(timed.clock->flushes().size() == 2);
  const double steps = 2 * (100 + 1008);
  CHECK(timed.clock->now() > untimed + steps);
  CHECK(timed.clock->now() < untimed + steps + 40 * 0.25);  // the hand-overs: at most 20 messages a group
  // An update lands when its flush has applied it: the latency runs to the flush's end.
  CHECK(timed.clock->layers()[0].latency.back() >= 1008);
}

// A virtual-clock run with arithmetic on the tiny problem.
struct VirtualRun {
  std::vector<std::vector<float>> weights;
  std::vector<SimulatedVisit> visits;
  double seconds = 0;
  std::vector<std::size_t> peak_bytes;
  std::vector<LayerMetrics> layer_metrics;
};

// `adjust` changes the configuration after the rest is set.
VirtualRun virtual_run(const std::string& rule, const std::string& scheduler, int devices, int threads, const std::string& cost = "flops",
                       const std::function<void(TrainConfig&)>& adjust = {}) {
  const DatasetPair data = tiny_pair(23);
  TrainConfig config = tiny_config({8, 6});
  config.rule = rule;
  config.scheduler = parse_scheduler_label(scheduler);
  config.scheduler.threads = threads;
  config.simulation.clock = RunClock::virtual_devices;
  config.simulation.devices = devices;
  config.simulation.cost = cost;
  config.simulation.device_gflops = 1e-3;
  if (adjust) adjust(config);
  Trainer trainer(config, data);
  trainer.run({});
  VirtualRun run{all_weights(trainer), trainer.simulation()->clock().visits(), trainer.simulation()->clock().now(),
                 trainer.simulation()->clock().device_peak_bytes(), {}};
  for (int l = 0; l < trainer.graph().layer_count(); ++l) run.layer_metrics.push_back(trainer.graph().layer_metrics(l));
  return run;
}

bool same_visits(const std::vector<SimulatedVisit>& a, const std::vector<SimulatedVisit>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].start != b[i].start || a[i].end != b[i].end || a[i].node != b[i].node || a[i].pass != b[i].pass ||
        a[i].batch != b[i].batch || a[i].device != b[i].device)
      return false;
  return true;
}

TEST_CASE("the virtual clock is deterministic: the same run twice, with any --threads, gives the same times and weights") {
  for (const char* rule : {"pepita", "bp", "dfa"})
    for (const char* scheduler : {"pipelined:3", "async:3", "gpipe:2"}) {
      CAPTURE(rule);
      CAPTURE(scheduler);
      const VirtualRun one = virtual_run(rule, scheduler, 2, 1);
      const VirtualRun two = virtual_run(rule, scheduler, 2, 2);
      CHECK(same_visits(one.visits, two.visits));
      CHECK(one.seconds == two.seconds);
      CHECK(one.weights == two.weights);
      CHECK(one.peak_bytes == two.peak_bytes);
    }
}

TEST_CASE("with arithmetic, a sequential run on the virtual clock learns exactly what the flow graph learns") {
  for (const char* rule : {"pepita", "bp", "fa", "dfa", "drtp"}) {
    CAPTURE(rule);
    const DatasetPair data = tiny_pair(23);
    TrainConfig config = tiny_config({8, 6});
    config.rule = rule;
    Trainer real(config, data);
    real.run({});
    const VirtualRun simulated = virtual_run(rule, "sequential", 3, 2);
    CHECK(all_weights(real) == simulated.weights);
  }
}

// The epoch the virtual runs train on (23 samples in batches of 5), without arithmetic.
std::unique_ptr<Simulation> no_math_epoch(const std::string& rule, const std::string& scheduler, int devices) {
  TrainConfig config = tiny_config({8, 6});
  config.rule = rule;
  config.scheduler = parse_scheduler_label(scheduler);
  SimulationSettings settings;
  settings.clock = RunClock::virtual_devices;
  settings.no_math = true;
  settings.devices = devices;
  auto simulation = std::make_unique<Simulation>(graph_config(config, {1, 3, 4}, 4), settings);
  static std::vector<std::uint32_t> samples(23);
  BatchPool pool([] { return BatchInfo{}; });
  std::vector<BatchHandle> batches;
  for (std::size_t start = 0; start < samples.size(); start += 5) {
    batches.push_back(pool.acquire());
    batches.back()->id = batches.size() - 1;
    batches.back()->samples = std::span<const std::uint32_t>(samples).subspan(start, std::min<std::size_t>(5, samples.size() - start));
  }
  make_scheduler(config.scheduler)->train(*simulation, batches, {});
  return simulation;
}

// The real nodes and the message model, on `devices` devices under unit cost.
struct RealAndModel {
  VirtualRun real;
  std::unique_ptr<Simulation> model;
};

// Checks that the message model makes the real nodes' visits, at the same virtual times, and holds
// their peak bytes; returns both runs.
RealAndModel model_against_real(const char* rule, const char* scheduler, int devices) {
  RealAndModel runs{virtual_run(rule, scheduler, devices, 1, "unit"), no_math_epoch(rule, scheduler, devices)};
  CHECK(same_visits(runs.real.visits, runs.model->clock().visits()));
  CHECK(runs.real.peak_bytes == runs.model->clock().device_peak_bytes());
  return runs;
}

TEST_CASE("the message model sends what the real nodes send: the same visits, in the same virtual order") {
  for (const char* rule : {"pepita", "bp", "fa", "dfa", "drtp"})
    for (const char* scheduler : {"sequential", "pipelined:2", "pipelined:3:stash", "gpipe:2", "async:2"}) {
      CAPTURE(rule);
      CAPTURE(scheduler);
      model_against_real(rule, scheduler, 2);
    }
}

TEST_CASE("the memory model holds what the layers hold: soma and stash bytes match the layers' own counters") {
  // bf16 too, where PEPITA's somas keep z_l and h_{l-1} for the difference form (CPUs with bf16 kernels).
  std::vector<Precision> precisions{Precision::f32};
  if (bf16_support_problem().empty()) precisions.push_back(Precision::bf16);
  else MESSAGE("bf16 left out: " << bf16_support_problem());
  // One layer per device and one batch at a time: a device's peak is its static bytes plus its
  // layer's peak soma and stash (the input's x sits on device 0 under PEPITA, so check the rest).
  for (Precision precision : precisions)
    for (const char* rule : {"pepita", "bp", "dfa"})
      for (const char* scheduler : {"sequential", "pipelined:3:stash"}) {
        CAPTURE(precision_name(precision));
        CAPTURE(rule);
        CAPTURE(scheduler);
        const VirtualRun run = virtual_run(rule, scheduler, 3, 1, "flops", [&](TrainConfig& c) { c.precision = precision; });
        TrainConfig config = tiny_config({8, 6});
        config.rule = rule;
        config.scheduler = parse_scheduler_label(scheduler);
        config.precision = precision;
        const GraphConfig graph = graph_config(config, {1, 3, 4}, 4);
        const GraphTopology topology(graph.stages, graph.input, graph.classes, *graph.rule);
        const MemoryModel model(topology, MemorySettings::of(graph));
        for (int l = 1; l < 3; ++l) {
          CAPTURE(l);
          const LayerMetrics& real = run.layer_metrics[std::size_t(l)];
          std::size_t static_bytes = model.static_bytes(topology.layer_node(l));
          if (l == 2 && topology.projection_node()) static_bytes += model.static_bytes(*topology.projection_node());  // F
          CHECK(run.peak_bytes[std::size_t(l)] - static_bytes == real.peak_soma_bytes + real.peak_stash_bytes);
        }
      }
}

double largest_difference(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b) {
  double d = 0;
  for (std::size_t l = 0; l < a.size(); ++l)
    for (std::size_t k = 0; k < a[l].size(); ++k) d = std::max(d, double(std::abs(a[l][k] - b[l][k])));
  return d;
}

// The host's pipelines race, so two runs differ; the virtual clock orders every visit, so a stash
// kept as the updates since can be held against a copied stash over a whole run.
TEST_CASE("on the virtual clock a stash kept as the updates since trains as a copied stash does, up to rounding") {
  for (std::string rule : {"pepita", "bp", "mempepita"})
    for (int batch : {1, 5}) {
      CAPTURE(rule);
      CAPTURE(batch);
      const auto run = [&](WeightPolicy weights, StashForm form) {
        return virtual_run(rule, "pipelined:3", 3, 1, "flops", [&](TrainConfig& config) {
          config.batch_size = batch;
          config.momentum = 0;
          config.learning_rate = 0.01;
          config.scheduler.weights = weights;
          config.scheduler.stash_form = form;
        });
      };
      const VirtualRun copy = run(WeightPolicy::stash, StashForm::copy);
      const VirtualRun updates = run(WeightPolicy::stash, StashForm::updates);
      const VirtualRun latest = run(WeightPolicy::latest, StashForm::copy);
      const double off = largest_difference(copy.weights, updates.weights);
      const double stale = largest_difference(copy.weights, latest.weights);
      MESSAGE(rule << " batch " << batch << ": the updates form is off by " << off << ", the latest weights by " << stale);
      CHECK(off < 1e-5);
      CHECK(stale > 100 * off);  // the stash mattered, so leaving the updates' terms out would show
      // At batch 1 a step's factors (inputs + outputs values) are far smaller than W_1 (inputs × outputs).
      if (batch == 1) CHECK(updates.layer_metrics[0].peak_stash_bytes < copy.layer_metrics[0].peak_stash_bytes / 4);
    }
}

}  // namespace
}  // namespace pepita

// ---- zero bubble (schedulers/zero_bubble.cpp): BP's and FA's backward split into B and W visits

#include <algorithm>

namespace pepita {
namespace {

// Unit cost is the zero-bubble paper's T_F = T_B = T_W = 1 (Qi et al., ICLR 2024): a stage
// visit of each kind costs one. Per device and M micro-batches on L stages, ZB-H1 idles
// (L−1)(T_F + T_B − T_W) = L − 1 of 3M + L − 1, and 1F1B with split visits (L−1)(T_F + T_B + T_W).
double zb_h1_bubble(int layers, int micro) { return double(layers - 1) / double(3 * micro + layers - 1); }
double one_f_one_b_split_bubble(int layers, int micro) { return double(layers - 1) / double(micro + layers - 1); }

// Our in-flight limit is global: a batch holds its token until its last W visit lands. ZB-H1 bounds
// memory per stage instead, and its later stages postpone their W visits, so that a batch still
// holds memory there long after the first stage let the next one in: more than L batches hold
// state somewhere. With 2L tokens the greedy clock, taking B, then F, then W at every device, makes
// ZB-H1's schedule length exactly. With 1F1B's L tokens the last stage still postpones a wave's W
// visits behind the wave's F and B, so a token comes back late and the batches enter in waves of
// L: with M = kL that costs nothing when L is even, and one idle tick per device per wave after the
// first when L is odd (as measured; the test pins it down). Other M lie above ZB-H1
// (docs/schedulers.md has the table).
TEST_CASE("unit cost, BP, L layers on L devices: zb-h1 reaches ZB-H1's bubble (L-1)/(3M+L-1) with 2L in flight") {
  for (int layers : {2, 3, 4, 5, 6})
    for (int micro : {layers, layers + 1, 8, 16}) {
      CAPTURE(layers);
      CAPTURE(micro);
      const NoMathRun run = no_math_run("bp", hidden_layers(layers), "zb-h1:" + std::to_string(2 * layers), layers, micro);
      CHECK(run.simulation->clock().now() == 3 * micro + layers - 1);
      CHECK(run.bubble() == doctest::Approx(zb_h1_bubble(layers, micro)).epsilon(1e-12));
      CHECK(run.bubble() < one_f_one_b_split_bubble(layers, micro));
    }
}

TEST_CASE("unit cost, BP, L layers on L devices: with L in flight, zb-h1 is ZB-H1 for M = kL when L is even, one tick a wave more when odd") {
  for (int layers : {2, 3, 4, 5, 6, 7, 8})
    for (int waves : {1, 2, 3, 4}) {
      const int micro = waves * layers;
      CAPTURE(layers);
      CAPTURE(micro);
      const NoMathRun run = no_math_run("bp", hidden_layers(layers), "zb-h1:" + std::to_string(layers), layers, micro);
      const int late_waves = layers % 2 == 1 ? waves - 1 : 0;
      CHECK(run.simulation->clock().now() == 3 * micro + layers - 1 + late_waves);
      if (late_waves == 0) CHECK(run.bubble() == doctest::Approx(zb_h1_bubble(layers, micro)).epsilon(1e-12));
      else CHECK(run.bubble() > zb_h1_bubble(layers, micro));
    }
}

TEST_CASE("split backward: the message and memory models send and hold what the real nodes do, W visits included") {
  for (const char* rule : {"bp", "fa", "pepita"})
    for (const char* scheduler : {"zb-h1:1", "zb-h1:2", "zb-h1:3"}) {
      CAPTURE(rule);
      CAPTURE(scheduler);
      const RealAndModel runs = model_against_real(rule, scheduler, 3);
      const VirtualRun& real = runs.real;
      const bool split = std::string(rule) != "pepita";
      CHECK(split == std::any_of(real.visits.begin(), real.visits.end(), [](const SimulatedVisit& v) { return v.pass == Pass::weight; }));
      // A layer per device: the layers' own soma counters are the model's held bytes (device 0
      // also holds the input's x under PEPITA, so check the others).
      const GraphTopology& topology = runs.model->topology();
      const MemoryModel memory(topology, MemorySettings{});  // static bytes: W, its velocity, B_l
      for (int l = 1; l < 3; ++l) {
        CAPTURE(l);
        std::size_t static_bytes = memory.static_bytes(topology.layer_node(l));
        if (l == 2 && topology.projection_node()) static_bytes += memory.static_bytes(*topology.projection_node());
        CHECK(real.peak_bytes[std::size_t(l)] - static_bytes == real.layer_metrics[std::size_t(l)].peak_soma_bytes);
      }
    }
}

}  // namespace
}  // namespace pepita
