// `pepita calibrate`: measures how long each kind of node visit takes on this machine, and saves the
// medians as the profile the virtual clock's `measured` cost model reads (--cost measured --profile
// FILE; simulation/measured_cost.hpp). It reads `pepita train`'s options through train's own parser,
// so that it measures the very graph those options build, with the oneDNN threads their scheduler
// gives each primitive. It trains on the data set's images where they are on disk, else on random
// ones of their shape and number: the input's gather is bound by memory, so where the pixels sit
// shows in its time.
//
// The visits run in the real flow graph, driven by the scheduler as in a real run, and are timed by
// the nodes' own clocks (their trace): what is measured is what such a run does, including the
// contention between visits that run side by side.
#include <algorithm>
#include <chrono>
#include <functional>
#include <sstream>
#include <fstream>
#include <iomanip>
#include <map>
#include <numeric>
#include <optional>
#include <random>

#include <boost/program_options.hpp>
#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>

#include "cli.hpp"
#include "data/warm_pages.hpp"
#include "graph/model_spec.hpp"
#include "graph/training_graph.hpp"
#include "schedulers/scheduler_options.hpp"
#include "schedulers/scheduler_registry.hpp"
#include "simulation/measured_cost.hpp"
#include "known_shapes.hpp"
#include "train/config.hpp"
#include "train/trainer.hpp"
#include "train/reports.hpp"
#include "train_options.hpp"

namespace po = boost::program_options;

namespace pepita::cli {

namespace {

struct CalibrationSettings {
  std::filesystem::path out = "profile.json";
  // Timed batches per round, one training call each, as long as an epoch of a `pepita compare`
  // cell: the clock charges mean visit times, and a call's first visits are slower (threads wake,
  // caches are cold), so short rounds overweight them (4-deep DFA's first-layer error visit:
  // mean 273 µs over rounds of 30, 120 µs over rounds of 200, median 65–69 µs).
  int batches = 200;
  int repeats = 3;   // rounds
  int warmup = 3;    // batches before the first round, untimed: primitives are created on first use
  // ...and more untimed batches until this much time has passed: right after start-up this machine
  // runs visits slower for up to a second (64 MNIST rows took 33–243 µs to gather after 3 warm-up
  // batches, 22–25 µs after 300), and a real run's figures are those of its later epochs.
  double warmup_seconds = 1.0;
};

po::options_description calibrate_options() {
  const CalibrationSettings defaults;
  po::options_description own("what to measure");
  own.add_options()
      ("out", po::value<std::string>()->value_name("FILE"), "where to write the profile (default profile.json)")
      ("batches", po::value<int>()->value_name("N"),
       ("timed training batches per round (default " + std::to_string(defaults.batches) + ")").c_str())
      ("repeats", po::value<int>()->value_name("R"),
       ("rounds of --batches batches; the medians are over every round's visits (default " +
        std::to_string(defaults.repeats) + ")").c_str())
      ("warmup", po::value<int>()->value_name("W"),
       ("untimed batches first, so that oneDNN's primitives and the pools exist before timing (default " +
        std::to_string(defaults.warmup) + ")").c_str())
      ("warmup-seconds", po::value<double>()->value_name("S"),
       "then more untimed batches, W at a time, until S seconds have passed: the machine settles after start-up (default 1)");
  return own;
}

CalibrationSettings calibration_settings(const po::variables_map& vm) {
  CalibrationSettings settings;
  if (vm.count("out")) settings.out = vm["out"].as<std::string>();
  if (vm.count("batches")) settings.batches = vm["batches"].as<int>();
  if (vm.count("repeats")) settings.repeats = vm["repeats"].as<int>();
  if (vm.count("warmup")) settings.warmup = vm["warmup"].as<int>();
  if (vm.count("warmup-seconds")) settings.warmup_seconds = vm["warmup-seconds"].as<double>();
  if (settings.out.empty()) throw UsageError("--out needs a file name");
  if (settings.batches < 1) throw UsageError("--batches must be at least 1");
  if (settings.repeats < 1) throw UsageError("--repeats must be at least 1");
  if (settings.warmup < 0) throw UsageError("--warmup must be 0 or more");
  if (!(settings.warmup_seconds >= 0 && settings.warmup_seconds <= 3600))
    throw UsageError("--warmup-seconds must be between 0 and 3600");
  // Refused now rather than after the measurement, which can take minutes.
  const std::filesystem::path directory = settings.out.parent_path();
  if (!directory.empty() && !std::filesystem::is_directory(directory))
    throw UsageError("--out: the directory " + directory.string() + " does not exist");
  return settings;
}

// The batch sizes a run of this configuration trains with: the batch size, and an epoch's last,
// shorter batch when the epoch reaches it.
std::vector<int> training_rows(const TrainConfig& config, const KnownShape& known) {
  if (config.batch_size > known.train_samples)
    throw std::invalid_argument("--batch-size " + std::to_string(config.batch_size) + " is larger than the training set (" +
                                std::to_string(known.train_samples) + " samples)");
  std::vector<int> rows{config.batch_size};
  const std::int64_t whole_batches = known.train_samples / config.batch_size;
  const int last = known.train_samples % config.batch_size;
  if (last > 0 && (config.max_batches == 0 || config.max_batches > whole_batches)) rows.push_back(last);
  return rows;
}

// Random pixels in [0, 1] and random labels, `samples` of them: a visit's time depends on shapes only.
Dataset synthetic_dataset(const KnownShape& known, int samples, std::uint64_t seed) {
  Dataset data;
  data.name = std::string(known.dataset) + "-shaped random data";
  data.shape = known.input;
  data.classes = known.classes;
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
  std::uniform_int_distribution<std::int32_t> label(0, known.classes - 1);
  data.images.resize(std::size_t(samples) * known.input.size());
  for (float& value : data.images) value = pixel(random);
  data.labels.resize(std::size_t(samples));
  for (std::int32_t& value : data.labels) value = label(random);
  warm_pages(data);  // as load_dataset leaves a loaded set
  return data;
}

struct NodeSlice {
  int node = 0;
  TraceSlice slice;
  double end_us() const { return slice.start_us + slice.duration_us; }
};

// How long messages took from the visit that sent them to the visit that took them, counting only
// those that waited for nothing else: their node idle, and a graph thread free, from the send
// until the take. The sender of a visit is the latest visit of the same batch one hop before it
// that had ended by then (messages carry their hop count). What remains is the flow graph's own
// hand-over: the task an edge spawns and the thread that wakes for it.
std::vector<double> handoff_gaps(const std::vector<NodeSlice>& slices, int threads) {
  std::map<std::pair<std::uint64_t, std::uint32_t>, std::vector<const NodeSlice*>> by_hop;
  for (const NodeSlice& s : slices) by_hop[{s.slice.batch, s.slice.hops}].push_back(&s);
  std::vector<double> gaps;
  for (const NodeSlice& taken : slices) {
    if (taken.slice.hops == 0) continue;  // admitted by the limiter: no visit sent it
    const auto senders = by_hop.find({taken.slice.batch, taken.slice.hops - 1});
    if (senders == by_hop.end()) continue;
    const NodeSlice* sender = nullptr;
    for (const NodeSlice* s : senders->second)
      if (s->end_us() <= taken.slice.start_us && (!sender || s->end_us() > sender->end_us())) sender = s;
    if (!sender) continue;
    const double sent = sender->end_us(), started = taken.slice.start_us;
    // Anything else under way or begun between the send and the take: at the node, it delayed
    // the take; elsewhere it held a thread.
    bool waited = false;
    int others = 0;
    for (const NodeSlice& s : slices) {
      if (&s == &taken || &s == sender) continue;
      const bool overlaps = s.slice.start_us < started && s.end_us() > sent;
      if (!overlaps) continue;
      if (s.node == taken.node) waited = true;
      ++others;
    }
    if (!waited && others < threads) gaps.push_back(started - sent);
  }
  return gaps;
}

// The real graph's visits, timed by the nodes' own clocks (the trace a real run records): run by the
// scheduler on the flow graph with its own threads, so that what is measured is what a real run
// of that scheduler does, concurrent visits' contention for the cores and memory included.
class TracedVisits {
 public:
  TracedVisits(TrainingGraph& graph, const GraphTopology& topology) : graph_(graph), topology_(topology) {
    for (int n = 0; n < topology.size(); ++n) node_of_[topology.node(n).name] = n;
    origin_ = graph_.enable_trace();
  }
  // When the slices' times count from.
  Clock::time_point origin() const { return origin_; }
  // From the first visit's start to the last one's end, in µs since origin().
  struct Span {
    double start_us = 0, end_us = 0;
  };
  // Files the slices since the last call under their visit keys, every batch having `rows` rows,
  // and their messages' hand-overs (handoff_gaps); or only passes them by (`keep` false: the
  // warm-up). Returns their span, if there were any.
  std::optional<Span> take(int rows, bool keep) {
    std::vector<NodeSlice> fresh;
    for (const TrainingGraph::NodeTrace& trace : graph_.node_traces()) {
      std::size_t& seen = seen_[trace.node];
      for (std::size_t i = seen; i < trace.slices.size(); ++i)
        if (trace.slices[i].pass != Pass::evaluate) fresh.push_back({node_of_.at(trace.node), trace.slices[i]});
      seen = trace.slices.size();
    }
    if (fresh.empty()) return std::nullopt;
    Span span{fresh.front().slice.start_us, fresh.front().end_us()};
    for (const NodeSlice& s : fresh) span = {std::min(span.start_us, s.slice.start_us), std::max(span.end_us, s.end_us())};
    if (keep) {
      for (const NodeSlice& s : fresh) record(visit_key(topology_, s.node, s.slice.pass, rows), s.slice.duration_us * 1e-6);
      for (double gap_us : handoff_gaps(fresh, graph_.config().graph_threads)) record(handoff_key(topology_), gap_us * 1e-6);
    }
    return span;
  }
  void record(const std::string& key, double seconds) {
    auto [entry, added] = seconds_.try_emplace(key);
    if (added) first_seen_.push_back(key);
    entry->second.push_back(seconds);
  }
  const std::map<std::string, std::vector<double>>& seconds() const { return seconds_; }
  // The keys in the order they were first filed: the graph's order, for the table.
  const std::vector<std::string>& keys_in_order() const { return first_seen_; }

 private:
  TrainingGraph& graph_;
  const GraphTopology& topology_;
  std::map<std::string, int> node_of_;
  Clock::time_point origin_;
  std::map<std::string, std::size_t> seen_;
  std::map<std::string, std::vector<double>> seconds_;
  std::vector<std::string> first_seen_;
};

// The graph as the scheduler's runner, timing the host's own steps around the visits (what
// CostModel::round_seconds and flush_seconds stand for): a training call's start and drain, its
// wall time less the span of its visits, and each GPipe flush.
class HostSteps final : public BatchRunner {
 public:
  HostSteps(TrainingGraph& graph, TracedVisits& visits, const GraphTopology& topology)
      : graph_(graph), visits_(visits), topology_(topology) {}
  // The rows of the batches to come, and whether what they do is timed (false: the warm-up).
  void measure(int rows, bool timed) {
    rows_ = rows;
    timed_ = timed;
  }
  std::size_t train(std::span<const BatchHandle> batches, const std::function<bool()>& stop_requested) override {
    const Clock::time_point start = Clock::now();
    const std::size_t trained = graph_.train(batches, stop_requested);
    const Clock::time_point end = Clock::now();
    const std::optional<TracedVisits::Span> span = visits_.take(rows_, timed_);
    if (timed_ && span) {
      const double call_us = microseconds(start, end), visits_us = span->end_us - span->start_us;
      visits_.record(round_key(topology_), std::max(0.0, call_us - visits_us) * 1e-6);
    }
    return trained;
  }
  void flush_updates(int rows) override {
    const Clock::time_point start = Clock::now();
    graph_.flush_updates(rows);
    if (timed_) visits_.record(flush_key(topology_, rows), microseconds(start, Clock::now()) * 1e-6);
  }

 private:
  static double microseconds(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double, std::micro>(to - from).count();
  }
  TrainingGraph& graph_;
  TracedVisits& visits_;
  const GraphTopology& topology_;
  int rows_ = 0;
  bool timed_ = false;
};

// The untimed training before the rounds: W batches, then W more (at least one) at a time until
// the warm-up time has passed.
void warm_up(const Scheduler& scheduler, BatchRunner& runner, const CalibrationSettings& settings,
             const std::function<std::vector<BatchHandle>(int)>& make_batches) {
  const Clock::time_point start = Clock::now();
  scheduler.train(runner, make_batches(settings.warmup), {});
  while (std::chrono::duration<double>(Clock::now() - start).count() < settings.warmup_seconds)
    scheduler.train(runner, make_batches(std::max(settings.warmup, 1)), {});
}

// The value at quantile q of sorted values, interpolated between neighbours.
double quantile(const std::vector<double>& sorted, double q) {
  const double at = q * double(sorted.size() - 1);
  const auto below = std::size_t(at);
  if (below + 1 >= sorted.size()) return sorted.back();
  return sorted[below] + (at - double(below)) * (sorted[below + 1] - sorted[below]);
}

VisitTiming summarise(std::vector<double> seconds) {
  std::sort(seconds.begin(), seconds.end());
  return {.mean_seconds = std::accumulate(seconds.begin(), seconds.end(), 0.0) / double(seconds.size()),
          .median_seconds = quantile(seconds, 0.5),
          .spread_seconds = quantile(seconds, 0.75) - quantile(seconds, 0.25),
          .repeats = std::int64_t(seconds.size())};
}

// "avx2": the most capable instruction set oneDNN's kernels may use on this machine (its effective ISA).
std::string dnnl_isa() {
  std::string isa = dnnl_cpu_isa2str(dnnl_get_effective_cpu_isa());
  constexpr std::string_view prefix = "cpu_isa_";
  return isa.rfind(prefix, 0) == 0 ? isa.substr(prefix.size()) : isa;
}

// The system's load average over the last minute, where it tells it (Linux).
std::optional<double> load_average() {
  std::ifstream in("/proc/loadavg");
  double load = 0;
  if (in >> load) return load;
  return std::nullopt;
}

// 1 → "1", 0.5 → "0.5".
std::string decimal(double value) {
  std::ostringstream text;
  text.imbue(std::locale::classic());
  text << value;
  return text.str();
}

// "1 round", "3 rounds"; "2 batches".
std::string plural(int count, const std::string& one, const std::string& many = "") {
  return std::to_string(count) + " " + (count == 1 ? one : many.empty() ? one + "s" : many);
}

std::string joined(const std::vector<int>& values, const char* separator) {
  std::string text;
  for (int value : values) text += (text.empty() ? "" : separator) + std::to_string(value);
  return text;
}

void print_table(const Profile& profile, const std::vector<std::string>& keys, std::ostream& out) {
  std::size_t width = std::string("visit").size();
  for (const std::string& key : keys) width = std::max(width, key.size());
  out << std::left << std::setw(int(width)) << "visit" << std::right << std::setw(12) << "mean µs" << std::setw(12) << "median µs" << std::setw(12)
      << "spread µs" << std::setw(8) << "visits" << '\n';
  out << std::fixed << std::setprecision(1);
  for (const std::string& key : keys) {
    const VisitTiming& timing = profile.visits.at(key);
    // "µs" is two bytes and one column: the headers' widths are one more than the columns'.
    out << std::left << std::setw(int(width)) << key << std::right << std::setw(11) << timing.mean_seconds * 1e6
        << std::setw(11) << timing.median_seconds * 1e6 << std::setw(11) << timing.spread_seconds * 1e6 << std::setw(8) << timing.repeats << '\n';
  }
  out << std::defaultfloat;
}

}  // namespace

int calibrate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const ConfigurationCommand command{
      .name = "calibrate",
      .description = "Measures how long each kind of node visit takes on this machine for the graph a training\n"
                     "configuration builds, and writes the medians as a profile for the virtual clock's measured cost\n"
                     "(pepita train --clock virtual --cost measured --profile FILE). Runs on the data set's training\n"
                     "images when they are in the data directory, else on random data of its shape and size.",
      .own = calibrate_options(),
      .shaping = {"dataset", "rule", "model", "hidden", "batch-size", "max-batches", "seed", "scheduler", "threads",
                  "dnnl-threads"},
      .caption = "what it measures"};
  po::variables_map vm;
  const std::optional<TrainRequest> parsed = parse_configuration_command(args, command, vm, out);
  if (!parsed) return exit_ok;
  const TrainRequest& request = *parsed;
  const CalibrationSettings settings = calibration_settings(vm);
  const TrainConfig& config = request.config;
  const KnownShape& known = known_shape(config.dataset, "pepita calibrate");
  const std::vector<int> rows = training_rows(config, known);

  // The batches' data first, so that it outlives everything that may hold a batch: the real
  // training images where they are on disk, else random ones of their shape and number, visited in
  // a shuffled order as the trainer visits them. The input's gather of a batch is bound by memory,
  // not arithmetic, so where the pixels sit shows in its time (both sets' pages are warm:
  // data/warm_pages.hpp).
  const Dataset data = [&] {
    try {
      return load_dataset(config.dataset, config.data_dir).train;
    } catch (const std::exception& error) {
      err << "pepita calibrate: note: " << error.what() << "; timing random data of the data set's shape and size instead\n";
      return synthetic_dataset(known, known.train_samples, config.seed);
    }
  }();
  std::vector<std::uint32_t> order(data.labels.size());
  std::iota(order.begin(), order.end(), 0u);
  shuffle_for_epoch(order, config.seed, 1);
  std::size_t next_sample = 0;
  BatchPool pool([] { return BatchInfo{}; });
  std::uint64_t next_id = 0;
  const auto make_batches = [&](int count, int batch_rows) {
    std::vector<BatchHandle> batches;
    for (int b = 0; b < count; ++b) {
      BatchHandle batch = pool.acquire();
      batch->id = next_id++;
      batch->index = b;
      batch->data = &data;
      if (next_sample + std::size_t(batch_rows) > order.size()) next_sample = 0;
      batch->samples = std::span<const std::uint32_t>(order).subspan(next_sample, std::size_t(batch_rows));
      next_sample += std::size_t(batch_rows);
      batches.push_back(std::move(batch));
    }
    return batches;
  };

  // The graph as the trainer builds it, threads as its scheduler splits them (0: every core, as
  // the graph itself resolves it).
  const GraphConfig graph_settings = graph_config(config, known.input, known.classes);
  const std::unique_ptr<Scheduler> scheduler = make_scheduler(config.scheduler);
  const int dnnl_threads =
      threads_or_all_cores(graph_settings.dnnl_threads);
  TrainingGraph graph(graph_settings);
  graph.set_learning_rate(float(learning_rate_at(config, 1)));

  const GraphTopology topology(graph_settings.stages, graph_settings.input, graph_settings.classes, *graph_settings.rule,
                               graph_settings.flow.backward);
  TracedVisits visits(graph, topology);
  HostSteps runner(graph, visits, topology);

  // Another process on the cores ends up in the times: a primitive's OpenMP threads wait for one
  // another, and one that is descheduled holds the rest for a whole time slice (docs/design.md, Threads).
  if (const std::optional<double> load = load_average(); load && *load >= 1.0)
    err << "pepita calibrate: note: the load average is " << std::fixed << std::setprecision(1) << *load << std::defaultfloat
        << " on " << plural(available_cores(), "core")
        << ": other processes' work can end up in the times; calibrate on an idle machine\n";
  for (int batch_rows : rows) {
    runner.measure(batch_rows, false);
    warm_up(*scheduler, runner, settings, [&](int count) { return make_batches(count, batch_rows); });
    runner.measure(batch_rows, true);
    for (int round = 0; round < settings.repeats; ++round) scheduler->train(runner, make_batches(settings.batches, batch_rows), {});
  }

  Profile profile{.machine = describe_machine(),
                  .dnnl_isa = dnnl_isa(),
                  .dnnl_threads = dnnl_threads,
                  .calibrated = "rule " + config.rule.name() + ", scheduler " + scheduler_label(config.scheduler) + ", model " +
                                dimensions(known.input, "x") + "-" + expand_model(config.model, config.hidden, known.classes) +
                                ", batch size " + joined(rows, " and ") + ", " +
                                plural(settings.repeats, "round") + " of " + plural(settings.batches, "batch", "batches") + " after " +
                                std::to_string(settings.warmup) + " untimed and at least " + decimal(settings.warmup_seconds) + " s of warm-up",
                  .visits = {}};
  for (const auto& [key, seconds] : visits.seconds()) profile.visits.emplace(key, summarise(seconds));
  write_file_atomically(settings.out, profile_json(profile));

  out << "pepita calibrate: " << profile.calibrated << "; " << plural(dnnl_threads, "oneDNN thread") << ", " << profile.dnnl_isa
      << ", " << profile.machine << '\n';
  print_table(profile, visits.keys_in_order(), out);
  out << "profile written to " << settings.out.string() << '\n';
  return exit_ok;
}

}  // namespace pepita::cli
