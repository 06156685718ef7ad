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
#include <fstream>
#include <iomanip>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <thread>

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
  int batches = 30;  // timed batches per round
  int repeats = 3;   // rounds
  int warmup = 3;    // batches before the first round, untimed: primitives are created on first use
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
        std::to_string(defaults.warmup) + ")").c_str());
  return own;
}

// For --help: train's options that decide what is measured, with train's own descriptions.
po::options_description shaping_options() {
  return train_options_subset({"dataset", "rule", "model", "hidden", "batch-size", "max-batches", "seed", "scheduler", "threads", "dnnl-threads"},
                              "what it measures (pepita train's options; its others are accepted and change nothing)");
}

CalibrationSettings calibration_settings(const po::variables_map& vm) {
  CalibrationSettings settings;
  if (vm.count("out")) settings.out = vm["out"].as<std::string>();
  if (vm.count("batches")) settings.batches = vm["batches"].as<int>();
  if (vm.count("repeats")) settings.repeats = vm["repeats"].as<int>();
  if (vm.count("warmup")) settings.warmup = vm["warmup"].as<int>();
  if (settings.out.empty()) throw UsageError("--out needs a file name");
  if (settings.batches < 1) throw UsageError("--batches must be at least 1");
  if (settings.repeats < 1) throw UsageError("--repeats must be at least 1");
  if (settings.warmup < 0) throw UsageError("--warmup must be 0 or more");
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

// The real graph's visits, timed by the nodes' own clocks (the trace a real run records): run by the
// scheduler on the flow graph with its own threads, so that what is measured is what a real run
// of that scheduler does, concurrent visits' contention for the cores and memory included.
class TracedVisits {
 public:
  TracedVisits(TrainingGraph& graph, const GraphTopology& topology) : graph_(graph), topology_(topology) {
    for (int n = 0; n < topology.size(); ++n) node_of_[topology.node(n).name] = n;
    graph_.enable_trace();
  }
  // Forgets the visits so far (warm-up): only slices after this call are kept.
  void skip_until_now() {
    for (const TrainingGraph::NodeTrace& trace : graph_.node_traces()) seen_[trace.node] = trace.slices.size();
  }
  // Files the slices since the last call under their visit keys, every batch having `rows` rows.
  void take(int rows) {
    for (const TrainingGraph::NodeTrace& trace : graph_.node_traces()) {
      std::size_t& seen = seen_[trace.node];
      for (std::size_t i = seen; i < trace.slices.size(); ++i) {
        const TraceSlice& slice = trace.slices[i];
        if (slice.pass == Pass::evaluate) continue;
        const std::string key = visit_key(topology_, node_of_.at(trace.node), slice.pass, rows);
        auto [entry, added] = seconds_.try_emplace(key);
        if (added) first_seen_.push_back(key);
        entry->second.push_back(slice.duration_us * 1e-6);
      }
      seen = trace.slices.size();
    }
  }
  const std::map<std::string, std::vector<double>>& seconds() const { return seconds_; }
  // The keys in the order they were first filed: the graph's order, for the table.
  const std::vector<std::string>& keys_in_order() const { return first_seen_; }

 private:
  TrainingGraph& graph_;
  const GraphTopology& topology_;
  std::map<std::string, int> node_of_;
  std::map<std::string, std::size_t> seen_;
  std::map<std::string, std::vector<double>> seconds_;
  std::vector<std::string> first_seen_;
};

// The value at quantile q of sorted values, interpolated between neighbours.
double quantile(const std::vector<double>& sorted, double q) {
  const double at = q * double(sorted.size() - 1);
  const auto below = std::size_t(at);
  if (below + 1 >= sorted.size()) return sorted.back();
  return sorted[below] + (at - double(below)) * (sorted[below + 1] - sorted[below]);
}

VisitTiming summarise(std::vector<double> seconds) {
  std::sort(seconds.begin(), seconds.end());
  return {.median_seconds = quantile(seconds, 0.5),
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

// "1 round", "3 rounds"; "2 batches".
std::string plural(int count, const std::string& one, const std::string& many = "") {
  return std::to_string(count) + " " + (count == 1 ? one : many.empty() ? one + "s" : many);
}

std::string dimensions(const ImageShape& shape) {
  return std::to_string(shape.channels) + "x" + std::to_string(shape.height) + "x" + std::to_string(shape.width);
}

std::string joined(const std::vector<int>& values, const char* separator) {
  std::string text;
  for (int value : values) text += (text.empty() ? "" : separator) + std::to_string(value);
  return text;
}

void print_table(const Profile& profile, const std::vector<std::string>& keys, std::ostream& out) {
  std::size_t width = std::string("visit").size();
  for (const std::string& key : keys) width = std::max(width, key.size());
  out << std::left << std::setw(int(width)) << "visit" << std::right << std::setw(12) << "median µs" << std::setw(12)
      << "spread µs" << std::setw(8) << "visits" << '\n';
  out << std::fixed << std::setprecision(1);
  for (const std::string& key : keys) {
    const VisitTiming& timing = profile.visits.at(key);
    // "µs" is two bytes and one column: the headers' widths are one more than the columns'.
    out << std::left << std::setw(int(width)) << key << std::right << std::setw(11) << timing.median_seconds * 1e6
        << std::setw(11) << timing.spread_seconds * 1e6 << std::setw(8) << timing.repeats << '\n';
  }
  out << std::defaultfloat;
}

}  // namespace

int calibrate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const po::options_description own = calibrate_options();
  po::variables_map vm;
  const TrainRequest request = parse_with_train_options(args, own, vm);
  if (request.help) {
    out << "usage: pepita calibrate [options]\n\n"
           "Measures how long each kind of node visit takes on this machine for the graph a training\n"
           "configuration builds, and writes the medians as a profile for the virtual clock's measured cost\n"
           "(pepita train --clock virtual --cost measured --profile FILE). Runs on the data set's training\n"
           "images when they are in the data directory, else on random data of its shape and size.\n\n"
        << own << '\n'
        << shaping_options();
    return exit_ok;
  }
  if (request.resume) throw UsageError("--resume cannot be given to pepita calibrate: give the run's options instead");
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
      graph_settings.dnnl_threads > 0 ? graph_settings.dnnl_threads : int(std::max(1u, std::thread::hardware_concurrency()));
  TrainingGraph graph(graph_settings);
  graph.set_learning_rate(float(learning_rate_at(config, 1)));

  const GraphTopology topology(graph_settings.stages, graph_settings.input, graph_settings.classes, *graph_settings.rule,
                               graph_settings.flow.backward);
  TracedVisits visits(graph, topology);

  // Another process on the cores ends up in the times: a primitive's OpenMP threads wait for one
  // another, and one that is descheduled holds the rest for a whole time slice (docs/design.md, Threads).
  if (const std::optional<double> load = load_average(); load && *load >= 1.0)
    err << "pepita calibrate: note: the load average is " << std::fixed << std::setprecision(1) << *load << std::defaultfloat
        << " on " << plural(int(std::max(1u, std::thread::hardware_concurrency())), "core")
        << ": other processes' work can end up in the times; calibrate on an idle machine\n";
  for (int batch_rows : rows) {
    scheduler->train(graph, make_batches(settings.warmup, batch_rows), {});
    visits.skip_until_now();
    for (int round = 0; round < settings.repeats; ++round) scheduler->train(graph, make_batches(settings.batches, batch_rows), {});
    visits.take(batch_rows);
  }

  Profile profile{.machine = describe_machine(),
                  .dnnl_isa = dnnl_isa(),
                  .dnnl_threads = dnnl_threads,
                  .calibrated = "rule " + config.rule.name() + ", scheduler " + scheduler_label(config.scheduler) + ", model " +
                                dimensions(known.input) + "-" + expand_model(config.model, config.hidden, known.classes) +
                                ", batch size " + joined(rows, " and ") + ", " +
                                plural(settings.repeats, "round") + " of " + plural(settings.batches, "batch", "batches") + " after " +
                                std::to_string(settings.warmup) + " untimed",
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
