// `pepita reproduce EXPERIMENT`: plans the training runs the experiment needs, runs those not yet
// complete J at a time as child `pepita train` processes (this same binary), then aggregates
// them into DIR/EXPERIMENT.md, .csv, .svg and .png. Runs live in DIR/runs/<key>/, keyed by their
// whole configuration, so a second invocation skips what is done and continues what was cut off.
#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "child_process.hpp"
#include "cli.hpp"
#include "command_line.hpp"
#include "data/data_dir.hpp"
#include "experiment.hpp"
#include "graph/graph_config.hpp"
#include "out_dir_lock.hpp"
#include "report_files.hpp"
#include "stop_signals.hpp"
#include "train/reports.hpp"

namespace po = boost::program_options;

namespace pepita::cli {

namespace {

using namespace reproduce;

std::string experiment_names() {
  std::string names;
  for (const Experiment& e : registered_experiments()) names += e.name + ", ";
  return names + "all";
}

std::string experiment_help() {
  std::string help;
  for (const Experiment& e : registered_experiments()) help += "  " + e.name + std::string(11 - e.name.size(), ' ') + e.summary + "\n";
  return help + "  all        every experiment above; runs they share are run once\n"
                "  A,B,…      the experiments listed, with one collection of their reports, as all's";
}

const Experiment& experiment_named(const std::string& name) {
  for (const Experiment& e : registered_experiments())
    if (e.name == name) return e;
  throw UsageError("unknown experiment '" + name + "' (experiments: " + experiment_names() + ")");
}

// "all", one name, or several joined by commas ("table1,curves"): the last for a session that has
// time for some experiments only, with one collection of their reports.
std::vector<Experiment> chosen_experiments(const std::string& names) {
  if (names == "all") return registered_experiments();
  std::vector<Experiment> chosen;
  std::istringstream list(names);
  std::string name;
  while (std::getline(list, name, ',')) {
    if (name.empty()) throw UsageError("an empty experiment name in '" + names + "'");
    if (name == "all") throw UsageError("'all' cannot be listed with other experiments");
    const Experiment& e = experiment_named(name);
    if (std::any_of(chosen.begin(), chosen.end(), [&](const Experiment& c) { return c.name == name; }))
      throw UsageError("the experiment '" + name + "' is listed twice");
    chosen.push_back(e);
  }
  if (names.empty() || names.back() == ',') throw UsageError("an empty experiment name in '" + names + "'");
  return chosen;
}

std::optional<int> seed_count_option(const po::variables_map& vm, const std::string& name) {
  if (!vm.count(name)) return std::nullopt;
  const int seeds = vm[name].as<int>();
  if (seeds < 1) throw UsageError("--" + name + " must be >= 1");
  return seeds;
}

std::string command_line_text(const std::vector<std::string>& args) {
  std::string text = "pepita reproduce";
  for (const std::string& arg : args)
    text += " " + (arg.find_first_of(" \t'\"$") == std::string::npos ? arg : "'" + arg + "'");
  return text;
}

// Creates DIR/runs and proves that DIR and the collection's folder take a file, so that a bad --out
// or --collection fails before any training.
void prepare_outputs(const ReproduceSettings& settings) {
  const auto prove_writable = [](const std::filesystem::path& dir, const std::string& option) {
    try {
      std::filesystem::create_directories(dir);
      const std::filesystem::path probe = dir / ".writable";
      write_file_atomically(probe, "");
      std::filesystem::remove(probe);
    } catch (const std::exception& e) {
      throw UsageError(option + ": cannot write in '" + dir.string() + "': " + e.what());
    }
  };
  prove_writable(settings.out_dir, "--out");
  std::filesystem::create_directories(settings.out_dir / "runs");
  prove_writable(std::filesystem::absolute(settings.collection_file).parent_path(), "--collection");
}

ReproduceSettings settings_from(const po::variables_map& vm, int jobs, std::string command_line) {
  ReproduceSettings settings;
  settings.seeds = vm["seeds"].as<int>();
  if (settings.seeds < 1) throw UsageError("--seeds must be >= 1");
  settings.conv_seed_count = seed_count_option(vm, "conv-seeds");
  settings.study_seed_count = seed_count_option(vm, "study-seeds");
  settings.repeat_count = seed_count_option(vm, "repeats");
  if (vm.count("epochs") && vm["epochs"].as<int>() < 1) throw UsageError("--epochs must be >= 1");
  if (vm.count("threads") && vm["threads"].as<int>() < 1) throw UsageError("--threads must be >= 1");
  settings.epochs = vm.count("epochs") ? vm["epochs"].as<int>() : 0;
  settings.quick = vm["quick"].as<bool>();
  std::optional<std::string> data_flag;
  if (vm.count("data-dir")) data_flag = vm["data-dir"].as<std::string>();
  settings.data_dir = std::filesystem::absolute(resolve_data_dir(data_flag));
  settings.out_dir = vm["out"].as<std::string>();
  settings.collection_file = vm.count("collection") ? std::filesystem::path(vm["collection"].as<std::string>())
                                                    : settings.out_dir / "reproduction.md";
  settings.threads_per_run = vm.count("threads") ? vm["threads"].as<int>() : std::max(1, available_cores() / jobs);
  settings.threads_per_timed_run = vm.count("threads") ? vm["threads"].as<int>() : available_cores();
  settings.command_line = std::move(command_line);
  return settings;
}

std::string last_line(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line, last = "no output";
  while (std::getline(in, line)) {
    const std::size_t end = line.find_last_of('\r');  // a progress line redrawn in place
    if (end != std::string::npos) line = line.substr(end + 1);
    if (line.find_first_not_of(' ') != std::string::npos) last = line;
  }
  return last;
}

// A run of a study that expects divergence, which `pepita train` ended by diverging (exit 1, its
// last words "training diverged: …"): records the message as the run's result and returns true.
bool record_divergence(const PlannedRun& run, int status) {
  if (!run.spec.variant.may_diverge || status != exit_failure) return false;
  const std::string reason = last_line(run.log());
  const std::size_t message = reason.find("training diverged:");
  if (message == std::string::npos) return false;
  write_file_atomically(run.divergence_record(), reason.substr(message) + "\n");
  return true;
}

}  // namespace

int reproduce_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description description("usage: pepita reproduce EXPERIMENT [options]");
  description.add_options()
      ("seeds", po::value<int>()->default_value(3)->value_name("N"), "seeds 0 … N−1 of every configuration (the paper used 10)")
      ("conv-seeds", po::value<int>()->value_name("N"), "seeds of the convolutional runs, if fewer are wanted (default: --seeds)")
      ("study-seeds", po::value<int>()->value_name("N"), "seeds of deep's and schedulers' runs (default: --seeds; 1 with --quick)")
      ("repeats", po::value<int>()->value_name("N"), "repeats of schedulers' timed runs, each a seed (default: --study-seeds; 1 with --quick)")
      ("jobs", po::value<int>()->default_value(1)->value_name("J"), "training runs at a time; each gets cores / J threads (a timed run, as schedulers' are, runs alone on every core)")
      ("threads", po::value<int>()->value_name("T"), "threads of each run (default: cores / J, at least 1; a timed run's: every core)")
      ("out", po::value<std::string>()->default_value("reproduction")->value_name("DIR"), "where runs and reports go")
      ("collection", po::value<std::string>()->value_name("FILE"), "the document gathering the reports of several experiments, linking into DIR (default DIR/reproduction.md)")
      ("quick", po::bool_switch(), "2 epochs of 20 batches, 2 test batches: checks the whole pipeline in seconds")
      ("epochs", po::value<int>()->value_name("E"), "epochs of every run (default: the paper's 100; 2 with --quick)")
      ("data-dir", po::value<std::string>()->value_name("DIR"), "data directory (default $PEPITA_DATA_DIR, else ./data)");
  const auto parsed = parse_command(args, description,
                                    "Runs the training runs a table or figure of the PEPITA paper needs, and writes it as\n"
                                    "DIR/EXPERIMENT.md (beside the paper's values), .csv, .svg and .png (gnuplot).\n\n"
                                    "experiments:\n" + experiment_help(),
                                    out, "experiment");
  if (!parsed) return exit_ok;
  const po::variables_map& vm = *parsed;
  if (!vm.count("experiment")) throw UsageError("no experiment given (experiments: " + experiment_names() + ")");
  const std::vector<Experiment> experiments = chosen_experiments(vm["experiment"].as<std::string>());
  const int jobs = vm["jobs"].as<int>();
  if (jobs < 1) throw UsageError("--jobs must be >= 1");
  const ReproduceSettings settings = settings_from(vm, jobs, command_line_text(args));
  prepare_outputs(settings);
  const OutDirLock lock(settings.out_dir);

  const Plan plan = plan_experiments(experiments, settings);
  const std::vector<PlannedRun>& planned = plan.runs;
  std::vector<std::size_t> pending;
  std::size_t continued = 0;
  for (std::size_t i = 0; i < planned.size(); ++i)
    if (!planned[i].complete()) {
      pending.push_back(i);
      continued += planned[i].resumable();
    }
  out << "pepita reproduce: " << planned.size() << " runs planned; skipped " << planned.size() - pending.size()
      << " runs already complete; " << pending.size() << " to run (" << continued << " continue from a checkpoint), "
      << jobs << " at a time with " << settings.threads_per_run << (settings.threads_per_run == 1 ? " thread" : " threads")
      << " each" << std::endl;

  std::vector<PoolJob> pool_jobs;
  for (std::size_t i : pending) {
    const PlannedRun& run = planned[i];
    std::filesystem::create_directories(run.dir);
    write_file_atomically(run.dir / "config.txt", run.config);
    pool_jobs.push_back({run.command(), run.log(), run.spec.variant.timed});
  }
  const StopSignals stop_signals;
  std::size_t done = 0;
  const PoolResult result = run_pool(
      std::filesystem::read_symlink("/proc/self/exe"), pool_jobs, jobs,
      [&](std::size_t job) {
        const PlannedRun& run = planned[pending[job]];
        out << "[" << ++done << "/" << pending.size() << "] " << run.spec.label() << ": ";
        if (const auto divergence = run.divergence()) out << *divergence;
        else out << "final test accuracy " << fixed(read_run_curves(run.metrics()).column("test_accuracy").back(), 2) << "%";
        out << " (" << run.key << ")" << std::endl;
      },
      [&] { return stop_signals.received() != 0; },
      [&](std::size_t job, int status) { return record_divergence(planned[pending[job]], status); });
  if (result.failed_job) {
    const PlannedRun& run = planned[pending[*result.failed_job]];
    throw std::runtime_error("the run " + run.spec.label() + " failed (exit " + std::to_string(result.failed_status) +
                             "): " + last_line(run.log()) + " [log: " + run.log().string() + "]");
  }
  if (result.stopped) {
    err << "pepita: reproduce interrupted after " << done << " of " << pending.size()
        << " runs; the same command continues where it stopped" << std::endl;
    return 128 + stop_signals.received();
  }

  const FinishedRuns finished(plan.asked, settings);
  const std::string made_by = made_by_line(settings);  // the machine probed once for every report
  std::vector<WrittenReport> reports;
  for (std::size_t e = 0; e < experiments.size(); ++e) {
    reports.push_back(write_report(experiments[e].name, experiments[e].report(settings, finished), settings, made_by,
                                   plan.runs_per_experiment[e]));
    out << "wrote";
    for (const std::filesystem::path& file : reports.back().files) out << ' ' << file.string();
    out << std::endl;
  }
  if (reports.size() > 1 || vm.count("collection")) out << "wrote " << write_collection(reports, settings, made_by, planned.size()).string() << std::endl;
  return exit_ok;
}

}  // namespace pepita::cli
