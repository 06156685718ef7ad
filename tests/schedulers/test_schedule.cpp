// The dry run (schedulers/dry_run.hpp) held against the traces of real runs, for every rule and
// scheduler: per batch the same visits, under sequential the same order at every node; every trace
// keeps the flow's message order, its batches in flight and GPipe's groups; and the dry run's ticks
// reproduce each rule's analytic locking latency. Every property read off a real trace is one that
// holds whatever the threads' timing: no check compares durations.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "../graph/tiny_problem.hpp"
#include "graph/layer_visit.hpp"
#include "graph/rule_registry.hpp"
#include "schedulers/dry_run.hpp"
#include "schedulers/scheduler_registry.hpp"
#include "train/trainer.hpp"

using namespace pepita;
using namespace pepita::testing;

namespace {

// A node visit with its times: from a real trace (in µs) or from a dry run (a tick is one unit).
struct TimedVisit {
  Pass pass = Pass::standard;
  std::uint64_t batch = 0;
  std::uint32_t hops = 0;
  double start = 0;
  double end = 0;
};

// Each node's visits, in the order it made them.
using Timeline = std::map<std::string, std::vector<TimedVisit>>;

// Where a message was: its node, its batch, its hops. Unique, as hops grow along a batch's path.
using Place = std::tuple<std::string, std::uint64_t, std::uint32_t>;

Timeline real_timeline(const std::vector<TrainingGraph::NodeTrace>& traces) {
  Timeline timeline;
  for (const TrainingGraph::NodeTrace& trace : traces) {
    std::vector<TimedVisit>& visits = timeline[trace.node];
    for (const TraceSlice& s : trace.slices)
      if (s.pass != Pass::evaluate)  // the epoch's evaluation runs through the same graph
        visits.push_back({s.pass, s.batch, s.hops, s.start_us, s.start_us + s.duration_us});
    std::sort(visits.begin(), visits.end(), [](const TimedVisit& a, const TimedVisit& b) { return a.start < b.start; });
  }
  return timeline;
}

Timeline unit_timeline(const Schedule& schedule) {
  Timeline timeline;
  for (const std::string& node : schedule.nodes) timeline[node];
  for (const ScheduledVisit& v : schedule.visits)
    timeline.at(v.node).push_back({v.pass, v.batch, v.hops, double(v.tick), double(v.tick + 1)});
  return timeline;
}

std::string cell(Pass pass, std::uint64_t batch) {
  ScheduledVisit visit;
  visit.pass = pass;
  visit.batch = batch;
  return visit_cell(visit);
}

// A batch's visits as sorted text, "hidden 1 S0@1, …", so that a difference prints readably.
std::string visits_of_batch(const Timeline& timeline, std::uint64_t batch) {
  std::vector<std::string> visits;
  for (const auto& [node, list] : timeline)
    for (const TimedVisit& v : list)
      if (v.batch == batch) visits.push_back(node + " " + cell(v.pass, v.batch) + "@" + std::to_string(v.hops));
  std::sort(visits.begin(), visits.end());
  std::string text;
  for (const std::string& v : visits) text += v + ", ";
  return text;
}

// A node's visits in order: "S0 S1 B0 …".
std::string sequence_at(const Timeline& timeline, const std::string& node) {
  std::string text;
  for (const TimedVisit& v : timeline.at(node)) text += cell(v.pass, v.batch) + " ";
  return text;
}

// Real messages, so that the order under test is the very function the graph calls.
class Messages {
 public:
  Message operator()(const TimedVisit& visit) {
    BatchHandle& batch = batches_[visit.batch];
    if (!batch) {
      batch = pool_.acquire();
      batch->id = visit.batch;
    }
    return Message{visit.pass, batch, TensorHandle{}, visit.hops};
  }

 private:
  BatchPool pool_{[] { return BatchInfo{}; }};
  std::map<std::uint64_t, BatchHandle> batches_;
};

struct OrderCheck {
  int pairs = 0;  // (taken, certainly waiting) pairs examined
  std::vector<std::string> violations;
};

// The nodes that are oneTBB function nodes: they forward their result after the body returns —
// after their visit's end is recorded, and after their next visit may have begun on another
// thread — so no time in their trace bounds when their message arrived.
const std::set<std::string> forwards_after_visit = {"input", "projection"};

// At every stage node, a message taken while another certainly waited must not be one the order
// says should wait for that other. W certainly waited when V was taken if W's sender had ended its
// visit before the node's previous visit ended, and the node took W after V: a stage or the error
// node (multifunction nodes) puts its message inside its visit, before the visit's end is recorded,
// and the node looks for its next message only after its previous visit's end is recorded, so W was
// in the queue then, whatever the threads' timing. The sender is the dry run's `from`, with the
// same batch, one hop earlier.
OrderCheck check_order(const Timeline& timeline, const Schedule& schedule, const MessageOrder& order) {
  std::map<Place, std::string> sender;
  for (const ScheduledVisit& v : schedule.visits) sender[{v.node, v.batch, v.hops}] = v.from;
  std::map<Place, double> ended;
  for (const auto& [node, visits] : timeline)
    for (const TimedVisit& v : visits) REQUIRE(ended.emplace(Place{node, v.batch, v.hops}, v.end).second);
  Messages message;
  OrderCheck check;
  for (const std::string& node : schedule.stages) {
    const std::vector<TimedVisit>& visits = timeline.at(node);
    for (std::size_t k = 1; k < visits.size(); ++k) {
      const TimedVisit& taken = visits[k];
      for (std::size_t later = k + 1; later < visits.size(); ++later) {
        const TimedVisit& waiting = visits[later];
        const std::string& from = sender.at({node, waiting.batch, waiting.hops});
        if (forwards_after_visit.count(from)) continue;
        if (!(ended.at({from, waiting.batch, waiting.hops - 1}) < visits[k - 1].end)) continue;
        ++check.pairs;
        if (order.runs_after(message(taken), message(waiting)))
          check.violations.push_back(node + " took " + cell(taken.pass, taken.batch) + " while " +
                                     cell(waiting.pass, waiting.batch) + " waited");
      }
    }
  }
  return check;
}

// The dry run's update visits, as places.
std::set<Place> update_places(const Schedule& schedule) {
  std::set<Place> updates;
  for (const ScheduledVisit& v : schedule.visits)
    if (v.updates) updates.insert({v.node, v.batch, v.hops});
  return updates;
}

// The most batches in flight at once. A batch is in flight from the start of its standard visit at
// the input to the start of its last update visit: its token goes back to the limiter during that
// visit, so a batch admitted with it starts at the input after that start — but it may start before
// that visit's end is recorded (the update event leaves inside the visit), so the end would race.
int peak_in_flight(const Timeline& timeline, const Schedule& schedule) {
  const std::set<Place> updates = update_places(schedule);
  std::map<std::uint64_t, double> entered, last_update;
  for (const TimedVisit& v : timeline.at("input"))
    if (v.pass == Pass::standard) entered[v.batch] = v.start;
  for (const auto& [node, visits] : timeline)
    for (const TimedVisit& v : visits)
      if (updates.count({node, v.batch, v.hops})) {
        const auto [latest, first] = last_update.emplace(v.batch, v.start);
        latest->second = std::max(latest->second, v.start);
      }
  REQUIRE(entered.size() == last_update.size());
  std::vector<std::pair<double, int>> changes;  // (time, +1 entering or −1 leaving); at one time, entering first
  for (const auto& [batch, time] : entered) changes.emplace_back(time, +1);
  for (const auto& [batch, time] : last_update) changes.emplace_back(time, -1);
  std::sort(changes.begin(), changes.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second > b.second;
  });
  int in_flight = 0, peak = 0;
  for (const auto& [time, change] : changes) peak = std::max(peak, in_flight += change);
  return peak;
}

// Deferred updates: no batch of group g + 1 enters before every visit of group g has ended (the
// scheduler's run returns after the graph drained, then it flushes, then the next group enters).
bool groups_drain_in_turn(const Timeline& timeline, int group_size) {
  std::map<std::uint64_t, double> group_end, group_entry;
  for (const auto& [node, visits] : timeline)
    for (const TimedVisit& v : visits) {
      const std::uint64_t group = v.batch / std::uint64_t(group_size);
      group_end[group] = std::max(group_end[group], v.end);
      if (node == "input" && v.pass == Pass::standard) {
        const auto [earliest, first] = group_entry.emplace(group, v.start);
        earliest->second = std::min(earliest->second, v.start);
      }
    }
  for (const auto& [group, entry] : group_entry)
    if (group > 0 && !(group_end.at(group - 1) <= entry)) return false;
  return true;
}

// A layer's update-locking latency for each batch in its standard visit's ticks, as the real metric
// counts it in hops (LayerVisit::update: the learning message's hops + 1 − the soma's, which are the
// standard message's + 1): from the end of the standard visit to the end of the update visit.
struct Lock {
  std::uint64_t batch;
  int ticks;
  std::uint32_t hops;
};
std::vector<Lock> locks(const Schedule& schedule, const std::string& layer) {
  std::map<std::uint64_t, const ScheduledVisit*> standard;
  std::vector<Lock> result;
  for (const ScheduledVisit& v : schedule.visits) {
    if (v.node != layer) continue;
    if (v.pass == Pass::standard) standard[v.batch] = &v;
    if (!v.updates) continue;
    const ScheduledVisit& s = *standard.at(v.batch);
    result.push_back({v.batch, (v.tick + 1) - (s.tick + 1), (v.hops + 1) - (s.hops + 1)});
  }
  return result;
}

// ---- the real runs

// Every registered rule, by name.
std::vector<std::string> rules() {
  std::vector<std::string> names;
  for (const RegisteredRule& entry : registered_rules()) names.emplace_back(entry.info.name);
  return names;
}


struct Run {
  std::string rule;
  std::string scheduler;  // its label
  std::string model;
  FlowPolicy flow;
  int batches_per_update = 1;
  Schedule expected;
  Timeline trace;
  std::vector<std::vector<std::uint32_t>> latency_stages;  // per layer, as the graph measured them
  std::string name() const { return rule + ", " + scheduler + ", " + model; }
};

Run observe(TrainConfig config, const std::string& label, const DatasetPair& data) {
  config.learning_rate = 0.01;  // small enough that no rule diverges on the latest weights
  config.scheduler = parse_scheduler_label(label);
  config.scheduler.threads = 2;
  config.scheduler.dnnl_threads = 1;
  Trainer trainer(config, data);
  trainer.graph().enable_trace();
  trainer.run({});
  const std::unique_ptr<Scheduler> scheduler = make_scheduler(config.scheduler);
  Run run{.rule = config.rule.name(),
          .scheduler = label,
          .model = expand_model(config.model, config.hidden, data.train.classes),
          .flow = scheduler->flow(),
          .batches_per_update = scheduler->batches_per_update(),
          .expected = dry_run(trainer.graph().config().stages, *config.rule, *scheduler, int(trainer.batches_per_epoch())),
          .trace = real_timeline(trainer.graph().node_traces()),
          .latency_stages = {}};
  for (int l = 0; l < trainer.graph().layer_count(); ++l)
    run.latency_stages.push_back(trainer.graph().layer_metrics(l).latency_stages);
  return run;
}

TrainConfig tiny(const std::string& rule, const std::string& model) {
  TrainConfig config = tiny_config({8, 6});
  config.rule = rule;
  config.model = model;
  config.max_batches = 6;
  return config;
}

// More batches in flight on wider layers, so that messages queue at the stages and the order check
// has something to check.
TrainConfig crowded(const std::string& rule) {
  TrainConfig config = tiny_config({64, 64, 64});
  config.rule = rule;
  config.batch_size = 16;
  config.max_batches = 12;
  return config;
}

// Every registered rule under every scheduler on a dense and a convolutional model, and crowded
// under pipelined, GPipe and zero bubble: run once, shared by the test cases below.
const std::vector<Run>& runs() {
  static const std::vector<Run> all = [] {
    const DatasetPair vectors = tiny_pair(60);
    const DatasetPair images = tiny_pair(40, {1, 6, 6}, 4);
    const DatasetPair more = tiny_pair(200);
    std::vector<Run> list;
    for (const std::string& name : rules()) {
      for (const char* label : {"sequential", "pipelined:2:latest", "pipelined:2:stash", "gpipe:2", "async:2", "zb-h1:2"}) {
        list.push_back(observe(tiny(name, "fc"), label, vectors));
        list.push_back(observe(tiny(name, "conv2k3-pool2-fc4"), label, images));
      }
      for (const char* label : {"pipelined:4:stash", "gpipe:4", "zb-h1:4"}) list.push_back(observe(crowded(name), label, more));
    }
    return list;
  }();
  return all;
}

std::vector<StageSpec> dense(const std::vector<int>& hidden) {
  return parse_model_spec(expand_model("fc", hidden, 4), {1, 3, 4}, 4);
}

std::unique_ptr<Scheduler> scheduler(const std::string& label) {
  SchedulerSettings settings = parse_scheduler_label(label);
  return make_scheduler(settings);
}

// Rules that break the dry run, as a rule with a mistake would break the graph.
class TestRule : public LearningRule {
 public:
  RuleEdges edges(int layers) const override { return {.error_to_layers = {layers - 1}}; }
  void learn(LayerVisit& visit) const override { visit.reject(); }
  int locking_stages(int, int) const override { return 0; }
};
// The error node sends e to the output, which does not take it.
class Deaf final : public TestRule {
 public:
  LayerReaction reaction(Pass, const LayerPlace&, BackwardVisits) const override { return {}; }
};
// The output sends its standard pass on as it learns from e: the error node hears it twice.
class Echo final : public TestRule {
 public:
  LayerReaction reaction(Pass pass, const LayerPlace&, BackwardVisits) const override {
    return {.takes = pass == Pass::error, .updates = true, .up = Pass::standard};
  }
};
// The output takes e and never updates: no batch ever completes.
class Idle final : public TestRule {
 public:
  LayerReaction reaction(Pass pass, const LayerPlace&, BackwardVisits) const override { return {.takes = pass == Pass::error}; }
};

}  // namespace

TEST_CASE("per batch, the dry run makes exactly the visits the real graph makes") {
  for (const Run& run : runs()) {
    CAPTURE(run.name());
    const Timeline expected = unit_timeline(run.expected);
    std::set<std::string> traced, simulated;
    for (const auto& [node, visits] : run.trace) traced.insert(node);
    for (const auto& [node, visits] : expected) simulated.insert(node);
    CHECK(traced == simulated);
    REQUIRE(!run.expected.visits.empty());
    for (std::uint64_t batch = 0; batch <= run.expected.visits.back().batch; ++batch) {
      CAPTURE(batch);
      CHECK(visits_of_batch(run.trace, batch) == visits_of_batch(expected, batch));
    }
  }
}

TEST_CASE("under sequential every node makes the dry run's visits in the dry run's order") {
  for (const Run& run : runs()) {
    if (run.scheduler != "sequential") continue;
    CAPTURE(run.name());
    const Timeline expected = unit_timeline(run.expected);
    for (const std::string& node : run.expected.nodes) {
      CAPTURE(node);
      CHECK(sequence_at(run.trace, node) == sequence_at(expected, node));
    }
  }
}

TEST_CASE("every stage of every real run takes its messages in the flow's order") {
  int pairs = 0;
  for (const Run& run : runs()) {
    if (run.flow.order.runs_after == MessageOrder::none.runs_after) continue;  // nothing to keep
    CAPTURE(run.name());
    const OrderCheck check = check_order(run.trace, run.expected, run.flow.order);
    CHECK_MESSAGE(check.violations.empty(), (check.violations.empty() ? "" : check.violations.front()));
    pairs += check.pairs;
  }
  MESSAGE(pairs << " times a stage took a message while another certainly waited");
  // Whether messages ever queued depends on the threads' timing: report a run that tested nothing.
  WARN(pairs > 0);
}

TEST_CASE("the dry run keeps its own order, and the order check catches a schedule that does not") {
  for (const char* label : {"pipelined:4", "gpipe:4", "zb-h1:4"}) {
    CAPTURE(label);
    const std::unique_ptr<Scheduler> s = scheduler(label);
    int pairs = 0;
    for (const std::string& rule : rules()) {
      CAPTURE(rule);
      const Schedule schedule = dry_run(dense({8, 8, 8}), *RuleChoice(rule), *s, 8);
      const OrderCheck check = check_order(unit_timeline(schedule), schedule, s->flow().order);
      CHECK(check.violations.empty());
      // At unit cost a stage with one sender never has two messages waiting (PEPITA's stages
      // only hear from below); BP's hear from both sides.
      if (rule == "bp") CHECK(check.pairs > 0);
      pairs += check.pairs;
    }
    CHECK(pairs > 0);
  }
  // 1F1B's schedule is not GPipe's: checked against GPipe's order, it takes learning signals early.
  const Schedule one_f_one_b = dry_run(dense({8, 8, 8}), *RuleChoice("bp"), *scheduler("pipelined:4"), 8);
  CHECK(!check_order(unit_timeline(one_f_one_b), one_f_one_b, MessageOrder::standard_first).violations.empty());
}

TEST_CASE("no real run has more batches in flight than its flow admits, and GPipe's groups drain in turn") {
  for (const Run& run : runs()) {
    CAPTURE(run.name());
    CHECK(peak_in_flight(run.trace, run.expected) <= run.flow.in_flight);
    if (run.flow.updates == UpdateMode::deferred) CHECK(groups_drain_in_turn(run.trace, run.batches_per_update));
  }
}

TEST_CASE("the in-flight and group checks catch a schedule that breaks them") {
  const Schedule three = dry_run(dense({8, 6}), *RuleChoice("bp"), *scheduler("pipelined:3"), 6);
  const Timeline timeline = unit_timeline(three);
  CHECK(peak_in_flight(timeline, three) == 3);
  CHECK(!groups_drain_in_turn(timeline, 3));
  const Schedule gpipe = dry_run(dense({8, 6}), *RuleChoice("bp"), *scheduler("gpipe:3"), 6);
  CHECK(peak_in_flight(unit_timeline(gpipe), gpipe) == 3);
  CHECK(groups_drain_in_turn(unit_timeline(gpipe), 3));
}

TEST_CASE("the dry run's sequential ticks are every rule's analytic locking latency") {
  for (const std::string& name : rules())
    for (const std::vector<int>& hidden : std::vector<std::vector<int>>{{}, {8}, {8, 6}, {8, 7, 6}, {8, 8, 8, 8}}) {
      CAPTURE(name);
      const RuleChoice rule = name;
      CAPTURE(hidden.size());
      const Schedule schedule = dry_run(dense(hidden), *rule, *scheduler("sequential"), 3);
      const int layers = int(schedule.layers.size());
      for (int l = 0; l < layers; ++l) {
        CAPTURE(l + 1);
        const std::vector<Lock> found = locks(schedule, schedule.layers[std::size_t(l)]);
        // Every batch's updates at this layer, in order (two under the time-local rule).
        const std::vector<int> stages = rule->update_stages(layers, l + 1);
        REQUIRE(found.size() == 3 * stages.size());
        for (std::size_t k = 0; k < found.size(); ++k) {
          CHECK(found[k].ticks == stages[k % stages.size()]);
          CHECK(int(found[k].hops) == found[k].ticks);
        }
      }
    }
}

TEST_CASE("the dry run's hop clock is the real runs' measured locking latency") {
  for (const Run& run : runs()) {
    CAPTURE(run.name());
    REQUIRE(run.latency_stages.size() == run.expected.layers.size());
    for (std::size_t l = 0; l < run.expected.layers.size(); ++l) {
      CAPTURE(l + 1);
      std::vector<std::uint32_t> expected;
      for (const Lock& lock : locks(run.expected, run.expected.layers[l])) expected.push_back(lock.hops);
      std::vector<std::uint32_t> measured = run.latency_stages[l];
      std::sort(expected.begin(), expected.end());
      std::sort(measured.begin(), measured.end());
      CHECK(measured == expected);
    }
  }
}

TEST_CASE("GPipe's grid: the group's standard passes, its learning, then the flush") {
  const Schedule schedule = dry_run(dense({8}), *RuleChoice("bp"), *scheduler("gpipe:2"), 4);
  CHECK(schedule_grid(schedule) ==
        "tick     0  1  2  3  4  5  6  | 7  8  9  10 11 12 13 |\n"
        "input    S0 S1 ·  ·  ·  ·  ·  | S2 S3 ·  ·  ·  ·  ·  |\n"
        "hidden 1 ·  S0 S1 ·  ·  B0 B1 | ·  S2 S3 ·  ·  B2 B3 |\n"
        "output 2 ·  ·  S0 S1 E0 E1 ·  | ·  ·  S2 S3 E2 E3 ·  |\n"
        "error    ·  ·  ·  S0 S1 ·  ·  | ·  ·  ·  S2 S3 ·  ·  |\n"
        "S standard, E error, B backward; · idle; | flush: the group's summed updates reach the weights\n");
  REQUIRE(schedule.flushes.size() == 2);
  CHECK(schedule.flushes[0].tick == 7);
  CHECK(schedule.flushes[0].batches == std::vector<std::uint64_t>{0, 1});
}

TEST_CASE("zero bubble's grid: B visits send the gradient down at once, the W visits that update wait for them") {
  const Schedule schedule = dry_run(dense({8}), *RuleChoice("bp"), *scheduler("zb-h1:2"), 3);
  CHECK(schedule_grid(schedule) ==
        "tick     0  1  2  3  4  5  6  7  8  9  10 11 12 13 14\n"
        "input    S0 S1 ·  ·  ·  ·  ·  ·  S2 ·  ·  ·  ·  ·  ·\n"
        "hidden 1 ·  S0 S1 ·  ·  B0 B1 W0 W1 S2 ·  ·  ·  B2 W2\n"
        "output 2 ·  ·  S0 S1 E0 E1 W0 W1 ·  ·  S2 ·  E2 W2 ·\n"
        "error    ·  ·  ·  S0 S1 ·  ·  ·  ·  ·  ·  S2 ·  ·  ·\n"
        "S standard, E error, B backward, W weight; · idle\n");
  // Only the W visits update, each a visit after the layer's own B visit sent it the term.
  for (const ScheduledVisit& visit : schedule.visits) {
    CAPTURE(visit.node + " " + visit_cell(visit));
    CHECK(visit.updates == (visit.pass == Pass::weight));
    if (visit.pass == Pass::weight) CHECK(visit.from == visit.node);
  }
  // Split, a layer holds a batch one visit longer than the rule's analytic profile: its W visit.
  for (int l = 0; l < 2; ++l)
    for (const Lock& lock : locks(schedule, schedule.layers[std::size_t(l)]))
      CHECK(int(lock.hops) == RuleChoice("bp")->locking_stages(2, l + 1) + 1);
  // Under PEPITA, which has no backward to split, zb-h1 sends what pipelined sends.
  CHECK(schedule_grid(dry_run(dense({8}), *RuleChoice("pepita"), *scheduler("zb-h1:2"), 3)) ==
        schedule_grid(dry_run(dense({8}), *RuleChoice("pepita"), *scheduler("pipelined:2"), 3)));
}

TEST_CASE("1F1B takes the learning signal first, GPipe the standard pass") {
  // At tick 5 the output has e of batch 0 and the standard pass of batch 2 waiting.
  const auto at_output = [](const std::string& label) {
    const Schedule schedule = dry_run(dense({8, 8}), *RuleChoice("bp"), *scheduler(label), 4);
    for (const ScheduledVisit& visit : schedule.visits)
      if (visit.node == "output 3" && visit.tick == 5) return visit_cell(visit);
    return std::string("idle");
  };
  CHECK(at_output("pipelined:4") == "E0");
  CHECK(at_output("gpipe:4") == "S2");
}

TEST_CASE("actions: a line per tick, a flush a line of its own") {
  const Schedule schedule = dry_run(dense({}), *RuleChoice("drtp"), *scheduler("gpipe:1"), 1);
  CHECK(schedule_actions(schedule) == "t0: input S0\nt1: output 1 S0\nt2: error S0\nt3: output 1 E0\nflush: batches 0\n");
}

TEST_CASE("PEPITA's modulated pass: F·e comes back to the input, one hop per visit") {
  const Schedule schedule = dry_run(dense({8}), *RuleChoice("pepita"), *scheduler("sequential"), 1);
  REQUIRE(schedule.visits.size() == 8);
  const ScheduledVisit& feedback = schedule.visits[5];
  CHECK(visit_cell(feedback) == "F0");
  CHECK(feedback.node == "input");
  CHECK(feedback.from == "projection");
  CHECK(feedback.hops == 5);
  CHECK(schedule.visits.front().from == "limiter");
  CHECK(schedule.visits.back().updates);
}

TEST_CASE("the dry run fails where the graph would: a message the rule does not take, a cycle, a batch that never completes") {
  CHECK_THROWS_WITH_AS(dry_run(dense({8}), Deaf{}, *scheduler("sequential"), 2),
                       doctest::Contains("output 2 cannot take a error message"), std::logic_error);
  CHECK_THROWS_WITH_AS(dry_run(dense({8}), Echo{}, *scheduler("sequential"), 2),
                       doctest::Contains("batch 0 comes to error as a standard message a second time"), std::logic_error);
  CHECK_THROWS_WITH_AS(dry_run(dense({8}), Idle{}, *scheduler("pipelined:2"), 4), doctest::Contains("deadlock"),
                       std::logic_error);
}
