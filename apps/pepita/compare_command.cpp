// `pepita compare`: the update-locking study as a matrix — rules × schedulers × depth × batch
// size — each cell a short training run through the graph, reported as a table and a CSV.
#include <boost/program_options.hpp>
#include <cctype>
#include <iomanip>
#include <sstream>

#include "cli.hpp"
#include "command_line.hpp"
#include "data/data_dir.hpp"
#include "graph/model_spec.hpp"
#include "schedulers/scheduler_options.hpp"
#include "schedulers/scheduler_registry.hpp"
#include "train/reports.hpp"
#include "train/trainer.hpp"
#include "train_options.hpp"

namespace po = boost::program_options;

namespace pepita::cli {

namespace {

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, ',');)
    if (!part.empty()) parts.push_back(part);
  return parts;
}

// A scheduler label ("pipelined:4:stash"), checked now so that a typo fails before any training.
SchedulerSettings parse_scheduler(const std::string& label) {
  // What a per-layer lag list leaves after the split on commas: one list cannot fit every depth.
  if (std::isdigit(static_cast<unsigned char>(label.front())))
    throw UsageError("--schedulers: '" + label + "' is not a scheduler; a label's staleness takes one lag for every "
                     "layer here, since the depths differ (pipelined:4:stash:auto:2)");
  try {
    SchedulerSettings settings = parse_scheduler_label(label);
    make_scheduler(settings);
    return settings;
  } catch (const std::invalid_argument& e) {
    throw UsageError("--schedulers: " + std::string(e.what()));
  }
}

// The labels every registered scheduler takes, for the option's help.
std::string scheduler_forms() {
  std::string forms;
  for (const SchedulerEntry& entry : registered_schedulers()) {
    forms += (forms.empty() ? "" : ", ") + entry.name;
    for (const std::string& flag : entry.options) forms.append(":").append(scheduler_option(flag).value_name);
  }
  return forms;
}

struct Cell {
  std::string rule, scheduler;
  int depth = 0, batch = 0;
  double samples_per_second = 0, test_accuracy = 0;
  std::string failure;
  std::vector<Distribution> latency_seconds, latency_stages, staleness;
};

}  // namespace

int compare_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description description("usage: pepita compare [options]");
  add_dataset_options(description);
  description.add_options()
      ("rules", po::value<std::string>()->default_value("pepita,bp,dfa,drtp"), "rules to compare")
      ("schedulers", po::value<std::string>()->default_value("sequential,pipelined:4:stash,gpipe:4"),
       ("schedulers, each NAME[:VALUE…] in the order " + scheduler_forms() + " (a missing value: its default)").c_str())
      ("depths", po::value<std::string>()->default_value("1,2,4,8"), "hidden layers")
      ("width", po::value<int>()->default_value(256), "units per hidden layer")
      ("batch-sizes", po::value<std::string>()->default_value("1,16,64"), "batch sizes")
      ("batches", po::value<int>()->default_value(200), "training batches per cell (0: one whole epoch)")
      ("lr", po::value<double>(), "learning rate for every cell (default: each rule's paper rate)")
      ("threads", po::value<int>()->default_value(0), "cores (0: all)")
      ("seed", po::value<std::uint64_t>()->default_value(0), "seed")
      ("csv", po::value<std::string>(), "also write one row per cell and layer to this CSV");
  const auto parsed = parse_command(args, description,
                                    "Trains every combination briefly through the graph and reports throughput, test accuracy,\n"
                                    "and per layer the update-locking latency (seconds and stages) and staleness.",
                                    out);
  if (!parsed) return exit_ok;
  const po::variables_map& vm = *parsed;
  const DatasetChoice dataset = dataset_choice(vm);
  std::vector<SchedulerSettings> schedulers;
  for (const std::string& s : split(vm["schedulers"].as<std::string>())) schedulers.push_back(parse_scheduler(s));
  std::vector<RuleChoice> rules;
  for (const std::string& rule : split(vm["rules"].as<std::string>())) rules.emplace_back(rule);
  const std::vector<int> depths = parse_int_list(vm["depths"].as<std::string>(), "depths");
  const std::vector<int> batch_sizes = parse_int_list(vm["batch-sizes"].as<std::string>(), "batch-sizes");
  const int width = vm["width"].as<int>(), batches = vm["batches"].as<int>();
  if (width < 1 || batches < 0) throw UsageError("--width must be >= 1 and --batches >= 0");
  for (int d : depths) if (d < 0) throw UsageError("--depths must be >= 0");
  for (int b : batch_sizes) if (b < 1) throw UsageError("--batch-sizes must be >= 1");

  const DatasetPair data = load_dataset(dataset.name, dataset.dir);
  std::vector<Cell> cells;
  for (const RuleChoice& rule : rules)
    for (const SchedulerSettings& scheduler : schedulers)
      for (int depth : depths)
        for (int batch : batch_sizes) {
          TrainConfig config = paper_defaults(dataset.name, "fc", rule);
          config.hidden.assign(std::size_t(depth), width);
          config.batch_size = batch;
          config.epochs = 1;
          config.max_batches = batches;
          config.seed = vm["seed"].as<std::uint64_t>();
          if (vm.count("lr")) config.learning_rate = vm["lr"].as<double>();
          config.scheduler = scheduler;
          config.scheduler.threads = vm["threads"].as<int>();
          Cell cell;
          cell.rule = rule.name();
          cell.scheduler = scheduler_label(scheduler);
          cell.depth = depth;
          cell.batch = batch;
          err << "compare: " << cell.rule << ' ' << cell.scheduler << " depth " << depth << " batch " << batch << std::flush;
          try {
            Trainer trainer(config, data);
            const EpochRecord record = trainer.run_epoch(1);
            cell.samples_per_second = record.samples_per_second;
            cell.test_accuracy = record.test_accuracy;
            for (int l = 0; l < trainer.graph().layer_count(); ++l) {
              const LayerMetrics& m = trainer.graph().layer_metrics(l);
              cell.latency_seconds.push_back(distribution_of(m.latency_seconds));
              cell.latency_stages.push_back(distribution_of(m.latency_stages));
              cell.staleness.push_back(distribution_of(m.staleness));
            }
          } catch (const std::exception& e) {  // a diverging cell is a result, not the end of the study
            cell.failure = e.what();
          }
          err << '\r' << std::string(60, ' ') << '\r';
          cells.push_back(std::move(cell));
        }

  out << "| rule | scheduler | depth | batch | samples/s | test acc [%] | layer 1 locking p50 [ms] | stages | output locking p50 [ms] | stages | max staleness |\n"
      << "|---|---|---|---|---|---|---|---|---|---|---|\n"
      << std::fixed;
  for (const Cell& c : cells) {
    out << "| " << c.rule << " | " << c.scheduler << " | " << c.depth << " | " << c.batch << " | ";
    if (!c.failure.empty()) {
      out << "— | " << c.failure << " | | | | | |\n";
      continue;
    }
    double stale = 0;
    for (const Distribution& d : c.staleness) stale = std::max(stale, d.max);
    out << std::setprecision(0) << c.samples_per_second << " | " << std::setprecision(2) << c.test_accuracy << " | "
        << std::setprecision(3) << c.latency_seconds.front().p50 * 1e3 << " | " << std::setprecision(0)
        << c.latency_stages.front().mean << " | " << std::setprecision(3) << c.latency_seconds.back().p50 * 1e3 << " | "
        << std::setprecision(0) << c.latency_stages.back().mean << " | " << stale << " |\n";
  }
  if (vm.count("csv")) {
    std::ostringstream csv;
    csv << "rule,scheduler,depth,batch,samples_per_second,test_accuracy,layer,latency_mean_s,latency_p50_s,latency_p99_s,"
           "latency_stages,staleness_mean,staleness_max,failure\n"
        << std::setprecision(9);
    for (const Cell& c : cells) {
      if (!c.failure.empty()) {
        csv << c.rule << ',' << c.scheduler << ',' << c.depth << ',' << c.batch << ",,,,,,,,,,\"" << c.failure << "\"\n";
        continue;
      }
      for (std::size_t l = 0; l < c.latency_seconds.size(); ++l)
        csv << c.rule << ',' << c.scheduler << ',' << c.depth << ',' << c.batch << ',' << c.samples_per_second << ','
            << c.test_accuracy << ',' << l + 1 << ',' << c.latency_seconds[l].mean << ',' << c.latency_seconds[l].p50 << ','
            << c.latency_seconds[l].p99 << ',' << c.latency_stages[l].mean << ',' << c.staleness[l].mean << ','
            << c.staleness[l].max << ",\n";
    }
    write_file_atomically(vm["csv"].as<std::string>(), csv.str());
  }
  return exit_ok;
}

}  // namespace pepita::cli
