// `schedulers`: the measured comparison of docs/schedulers.md — throughput and every layer's
// update-locking latency per rule and scheduler, as `pepita compare` measures them and
// scripts/plot-compare.sh draws them — regenerated from keyed `pepita train` runs. Each run is one
// short epoch (a fixed number of batches) on MNIST at η 10⁻³ for every rule, so that the deep nets
// train at all; its summary holds the scheduler's metrics. The seeds are repeats: timing on a shared
// machine is noisy, the stages (a logical clock) are not. Each run has the machine to itself
// (RunVariant::timed), whatever --jobs says, and every core unless --threads says otherwise.
#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "datasets_on_disk.hpp"
#include "experiment.hpp"
#include "run_summary.hpp"

namespace pepita::cli::reproduce {

namespace {

constexpr const char* schedulers_dataset = "mnist";

struct SchedulerChoice {
  std::string label;  // as docs/schedulers.md names it
  std::string key;    // in run names and the CSV
  std::vector<std::string> options;
};

// The three schedules of docs/schedulers.md's comparison; sequential first, the reference of the ratios.
const std::vector<SchedulerChoice> compared_schedulers = {
    {"sequential", "sequential", {"--scheduler", "sequential"}},
    {"pipelined 4, stash", "pipelined4-stash", {"--scheduler", "pipelined", "--in-flight", "4", "--weights", "stash"}},
    {"gpipe 4", "gpipe4", {"--scheduler", "gpipe", "--micro-batches", "4"}},
};

// The study's shape: the full one is docs/schedulers.md's at batch 16; --quick keeps one rule and
// one small net, enough to exercise every schedule and every column in seconds.
struct SchedulersStudy {
  std::vector<std::string> rules;
  std::vector<int> depths;  // hidden layers
  int width = 0;            // units per hidden layer
  int locking_depth = 0;    // the depth whose per-layer locking the table and figures show
  int batch_size = 16;
  int batches = 0;  // training batches per run (in its one epoch)
};

// "2", "1, 2, 4 and 8"
std::string schedulers_depths_text(const std::vector<int>& depths) {
  std::string text;
  for (std::size_t d = 0; d < depths.size(); ++d)
    text += (d == 0 ? "" : d + 1 == depths.size() ? " and " : ", ") + std::to_string(depths[d]);
  return text;
}

SchedulersStudy schedulers_study(const ReproduceSettings& settings) {
  if (settings.quick) return {.rules = {"pepita"}, .depths = {2}, .width = 32, .locking_depth = 2, .batches = 20};
  return {.rules = {"pepita", "bp", "dfa", "drtp"}, .depths = {1, 2, 4, 8}, .width = 256, .locking_depth = 4,
          .batches = 3000};
}

RunVariant schedulers_variant(const SchedulersStudy& study, const SchedulerChoice& scheduler, int depth) {
  RunVariant variant{.name = "sched-" + scheduler.key + "-depth" + std::to_string(depth),
                     .options = scheduler.options,
                     .may_diverge = true,  // docs/schedulers.md: PEPITA and DFA diverge at depth 8
                     .timed = true};       // its throughput is a figure: no other run beside it
  const std::vector<std::string> net = {"--hidden", hidden_layers_option(depth, study.width), "--batch-size",
                                        std::to_string(study.batch_size), "--lr", "0.001", "--epochs", "1"};
  variant.options.insert(variant.options.end(), net.begin(), net.end());
  variant.options.insert(variant.options.end(), {"--max-batches", std::to_string(study.batches)});
  return variant;
}

std::vector<RunSpec> schedulers_plan(const ReproduceSettings& settings) {
  if (const auto missing = missing_file(schedulers_dataset, settings.data_dir))
    throw std::runtime_error("schedulers needs MNIST: no " + *missing + " under " + settings.data_dir.string());
  const SchedulersStudy study = schedulers_study(settings);
  std::vector<RunSpec> specs;
  for (const std::string& rule : study.rules)
    for (const SchedulerChoice& scheduler : compared_schedulers)
      for (int depth : study.depths)
        for (int seed = 0; seed < timing_repeats(settings); ++seed)
          specs.push_back({rule, "fc", schedulers_dataset, seed, schedulers_variant(study, scheduler, depth)});
  return specs;
}

// A timing over repeats: the median, which one disturbed repeat cannot move (this machine is shared,
// and one of three repeats of a cell once ran at half the others' speed), and the range.
struct Repeats {
  double median = NAN, lowest = NAN, highest = NAN;
  std::size_t count = 0;
};

Repeats repeats_of(std::vector<double> values) {
  if (values.empty()) return {};
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  const double median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  return {median, values.front(), values.back(), n};
}

// "37608", or "37608 (36900–38100)" over several repeats.
std::string repeats_text(const Repeats& repeats) {
  if (repeats.count < 2) return fixed(repeats.median, 0);
  return fixed(repeats.median, 0) + " (" + fixed(repeats.lowest, 0) + "–" + fixed(repeats.highest, 0) + ")";
}

// One cell of the comparison: its runs over seeds, those that finished read back.
struct SchedulersCell {
  std::vector<RunSummary> finished;
  std::vector<std::string> divergences;
  Repeats throughput() const {
    std::vector<double> samples_per_second;
    for (const RunSummary& run : finished) samples_per_second.push_back(run.samples_per_second);
    return repeats_of(samples_per_second);
  }
  // A per-layer figure's mean over the finished seeds.
  template <class Measure>
  double layer_mean(std::size_t layer, Measure measure) const {
    double sum = 0;
    for (const RunSummary& run : finished) sum += measure(run.layers.at(layer));
    return finished.empty() ? NAN : sum / double(finished.size());
  }
  double max_staleness() const {
    double most = 0;
    for (const RunSummary& run : finished)
      for (const LayerLocking& layer : run.layers) most = std::max(most, layer.staleness.max);
    return most;
  }
  double peak_stash_kib() const {
    double most = 0;
    for (const RunSummary& run : finished)
      for (const LayerLocking& layer : run.layers) most = std::max(most, layer.peak_stash_bytes / 1024);
    return most;
  }
};

SchedulersCell schedulers_cell(const FinishedRuns& runs, const ReproduceSettings& settings, const SchedulersStudy& study,
                               const std::string& rule, const SchedulerChoice& scheduler, int depth) {
  SchedulersCell cell;
  for (int seed = 0; seed < timing_repeats(settings); ++seed) {
    const PlannedRun& run = runs.run({rule, "fc", schedulers_dataset, seed, schedulers_variant(study, scheduler, depth)});
    if (const auto divergence = run.divergence()) cell.divergences.push_back(*divergence);
    else cell.finished.push_back(read_run_summary(run.summary()));
  }
  return cell;
}

std::string schedulers_divergence_note(const SchedulersCell& cell) {
  return std::to_string(cell.divergences.size()) + " of " +
         std::to_string(cell.divergences.size() + cell.finished.size()) + " diverged (" + cell.divergences.front() + ")";
}

std::string schedulers_ms(double seconds) { return fixed(seconds * 1e3, 3); }

ExperimentReport schedulers_report(const ReproduceSettings& settings, const FinishedRuns& runs) {
  const SchedulersStudy study = schedulers_study(settings);
  const int seeds = timing_repeats(settings);
  ExperimentReport out;
  out.title = "Schedulers: throughput and update-locking latency per rule and schedule (docs/schedulers.md)";
  out.run_length = "each 1 epoch of " + std::to_string(study.batches) + " batches of " + std::to_string(study.batch_size);
  std::ostream& md = out.markdown;
  std::ostringstream ratios;
  md << "Fully connected MNIST nets of " << schedulers_depths_text(study.depths) << " hidden layers of " << study.width
     << " units, batch " << study.batch_size << ", η 10⁻³ for every rule (with each rule's paper η, PEPITA and DFA "
        "diverge from 4 hidden layers on), one epoch of "
     << study.batches << " batches per run, " << seeds << (seeds == 1 ? " seed" : " seeds") << " (repeats), "
     << settings.threads_per_timed_run
     << (settings.threads_per_timed_run == 1 ? " thread" : " threads") << " per run. The schedules: `sequential`, "
        "`pipelined --in-flight 4 --weights stash` (PEPITA needs the stash when batches overlap), `gpipe "
        "--micro-batches 4`.\n\n"
     << (settings.threads_per_timed_run == 1
             ? "> **One thread per run**: no two node visits of a run happen at once, so here the pipelined and "
               "GPipe schedules can only add their overhead to `sequential`'s work, and their throughput ratios "
               "measure that overhead, not what overlap gains. Give each run the cores (leave `--threads` out, or set "
               "it to the machine's cores) to measure the overlap.\n\n"
             : "")
     << "**Timings depend on the machine and on what else it runs**, so the throughput is given as a ratio to "
        "`sequential` for the same rule and net in this same experiment; the samples/s beside it are this "
        "machine's, for scale only. Each of these runs had the machine to itself: `pepita reproduce` starts them "
        "one at a time, with no other run beside them, whatever `--jobs` says, each with every core unless `--threads` "
        "sets fewer. The stages "
        "come from the logical clock (every node visit on the batch's path costs one), so they are exact and the "
        "same on any machine. With L layers counting the output, the analytic profile of docs/schedulers.md gives "
        "PEPITA L + 3 stages for every layer, BP 2(L − 1) + 2 for layer 1 and 2 for the output, DFA L + 1 for layer "
        "1, DRTP 0 for the hidden layers.\n\n";
  md << "### " << study.locking_depth << " hidden layers, per rule and schedule\n\n"
     << "| rule | schedule | throughput / sequential | samples/s (this machine), median (range) | layer 1 locking p50 [ms] | "
        "stages | output locking p50 [ms] | stages | max staleness | peak stash [KiB] |\n"
     << "|---|---|---|---|---|---|---|---|---|---|\n";
  ratios << "\n### Throughput relative to `sequential`, per depth\n\n| rule | schedule |";
  for (int depth : study.depths) ratios << ' ' << depth << (depth == 1 ? " hidden layer" : " hidden layers") << " |";
  ratios << "\n|---|---|";
  for (std::size_t d = 0; d < study.depths.size(); ++d) ratios << "---|";
  ratios << '\n';
  out.csv << "rule,scheduler,depth,width,batch,seed,samples_per_second,test_accuracy,layer,layer_name,latency_mean_s,"
             "latency_p50_s,latency_p99_s,latency_stages,staleness_mean,staleness_max,peak_soma_bytes,"
             "peak_dendrite_bytes,peak_stash_bytes,diverged\n";

  Figure throughput;
  throughput.title = "Throughput relative to sequential, batch " + std::to_string(study.batch_size) + " (this machine)";
  throughput.x_label = "hidden layers";
  throughput.y_label = "throughput / sequential's (same rule and net)";
  // Whole numbers at the ends, so that the depths get whole tics.
  throughput.x_range = {{study.depths.front() - 1.0, study.depths.back() + 1.0}};
  throughput.series.push_back({.title = "sequential (= 1)", .style = SeriesStyle::dashed_line,
                               .x = {throughput.x_range->first, throughput.x_range->second}, .y = {1, 1},
                               .colour = 10});
  double highest_ratio = 1, most_stages = 0;
  const std::string locking_net = std::to_string(study.locking_depth) + " hidden layers of " + std::to_string(study.width);
  Figure stages, seconds;
  stages.title = "Update-locking latency per layer in stages (logical clock), sequential, " + locking_net;
  seconds.title = "Update-locking latency p50 per layer, pipelined 4 with stash, " + locking_net + " (this machine)";
  stages.x_label = seconds.x_label = "layer (last = output)";
  stages.y_label = "locking latency [stages]";
  seconds.y_label = "locking latency p50 [ms]";

  for (std::size_t r = 0; r < study.rules.size(); ++r) {
    const std::string& rule = study.rules[r];
    std::vector<Repeats> sequential_throughput;
    for (std::size_t s = 0; s < compared_schedulers.size(); ++s) {
      const SchedulerChoice& scheduler = compared_schedulers[s];
      Series relative{.title = rule + ", " + scheduler.label, .style = SeriesStyle::line_with_points,
                      .colour = int(r * (compared_schedulers.size() - 1) + s - 1)};
      ratios << "| " << rule << " | " << scheduler.label << " |";
      for (std::size_t d = 0; d < study.depths.size(); ++d) {
        const int depth = study.depths[d];
        const SchedulersCell cell = schedulers_cell(runs, settings, study, rule, scheduler, depth);
        const Repeats speed = cell.throughput();
        if (s == 0) sequential_throughput.push_back(speed);
        const double ratio = cell.finished.empty() || sequential_throughput[d].count == 0
                                 ? NAN
                                 : speed.median / sequential_throughput[d].median;
        ratios << ' ' << (cell.divergences.empty() ? fixed(ratio, 2) + " (" + fixed(speed.median, 0) + "/s)"
                                                     : schedulers_divergence_note(cell))
               << " |";
        if (s > 0 && std::isfinite(ratio)) {
          relative.x.push_back(depth);
          relative.y.push_back(ratio);
          highest_ratio = std::max(highest_ratio, ratio);
        }
        for (std::size_t seed = 0; seed < cell.finished.size(); ++seed) {
          const RunSummary& run = cell.finished[seed];
          for (std::size_t l = 0; l < run.layers.size(); ++l) {
            const LayerLocking& layer = run.layers[l];
            out.csv << rule << ',' << scheduler.key << ',' << depth << ',' << study.width << ',' << study.batch_size
                    << ',' << seed << ',' << run.samples_per_second << ',' << run.test_accuracy << ',' << l + 1 << ','
                    << layer.name << ',' << layer.latency_seconds.mean << ',' << layer.latency_seconds.p50 << ','
                    << layer.latency_seconds.p99 << ',' << layer.latency_stages.mean << ',' << layer.staleness.mean
                    << ',' << layer.staleness.max << ',' << layer.peak_soma_bytes << ',' << layer.peak_dendrite_bytes
                    << ',' << layer.peak_stash_bytes << ",\n";
          }
        }
        // The seed of a diverged run is not kept in the cell: its row names the run count instead.
        for (const std::string& divergence : cell.divergences)
          out.csv << rule << ',' << scheduler.key << ',' << depth << ',' << study.width << ',' << study.batch_size
                  << ",,,,,,,,,,,,,,,\"" << divergence << "\"\n";
        if (depth != study.locking_depth) continue;
        md << "| " << rule << " | " << scheduler.label << " | ";
        if (cell.finished.empty()) {
          md << schedulers_divergence_note(cell) << " | | | | | | | |\n";
          continue;
        }
        const std::size_t output = cell.finished.front().layers.size() - 1;
        md << fixed(ratio, 2) << " | " << repeats_text(speed) << " | "
           << schedulers_ms(cell.layer_mean(0, [](const LayerLocking& l) { return l.latency_seconds.p50; })) << " | "
           << fixed(cell.layer_mean(0, [](const LayerLocking& l) { return l.latency_stages.mean; }), 0) << " | "
           << schedulers_ms(cell.layer_mean(output, [](const LayerLocking& l) { return l.latency_seconds.p50; })) << " | "
           << fixed(cell.layer_mean(output, [](const LayerLocking& l) { return l.latency_stages.mean; }), 0) << " | "
           << fixed(cell.max_staleness(), 0) << " | " << fixed(cell.peak_stash_kib(), 0)
           << (cell.divergences.empty() ? "" : " (" + schedulers_divergence_note(cell) + ")") << " |\n";
        // The figures of docs/schedulers.md: stages under sequential, milliseconds under pipelining.
        Series per_layer{.title = rule, .style = SeriesStyle::line_with_points, .colour = int(r)};
        for (std::size_t l = 0; l <= output; ++l) per_layer.x.push_back(double(l + 1));
        if (scheduler.key == "sequential") {
          for (std::size_t l = 0; l <= output; ++l) {
            per_layer.y.push_back(cell.layer_mean(l, [](const LayerLocking& x) { return x.latency_stages.mean; }));
            most_stages = std::max(most_stages, per_layer.y.back());
          }
          stages.series.push_back(per_layer);
        } else if (scheduler.key == "pipelined4-stash") {
          for (std::size_t l = 0; l <= output; ++l)
            per_layer.y.push_back(1e3 * cell.layer_mean(l, [](const LayerLocking& x) { return x.latency_seconds.p50; }));
          seconds.series.push_back(per_layer);
        }
      }
      ratios << '\n';
      if (s > 0) throughput.series.push_back(relative);
    }
  }
  // From 0, so that the ratios and stage counts are read against zero, not against gnuplot's margins.
  throughput.y_range = {{0, 1.1 * highest_ratio}};
  stages.y_range = {{0, most_stages + 1}};
  md << ratios.str()
     << "\nEach cell of the last table is the median samples/s of the schedule's repeats over the median of "
        "`sequential`'s for the same rule and depth; above 1, overlapping batches across layers beats giving the run's threads to oneDNN "
        "inside one layer at a time. A "
        "diverged run is reported as such, not averaged: the rule is too unstable there at this η.\n";
  out.figure = throughput;
  out.more_figures = {{"locking-stages", stages}, {"locking-ms", seconds}};
  return out;
}

}  // namespace

Experiment schedulers_experiment() {
  return {"schedulers",
          "docs/schedulers.md: throughput and per-layer update-locking latency, rules × schedules × depth (fc MNIST)",
          schedulers_plan, schedulers_report};
}

}  // namespace pepita::cli::reproduce
