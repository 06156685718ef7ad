#include "no_math_run.hpp"

#include <chrono>
#include <iomanip>
#include <numeric>
#include <sstream>

#include "cli.hpp"
#include "known_shapes.hpp"
#include "layers/seconds_since.hpp"
#include "schedulers/scheduler_registry.hpp"
#include "simulation/simulation.hpp"
#include "train/json_text.hpp"
#include "train/reports.hpp"
#include "train/simulation_report.hpp"

namespace pepita::cli {

namespace {

// Options that need real training: refused, not ignored.
void refuse_options_needing_arithmetic(const TrainRequest& request) {
  const auto refuse = [](const char* option) {
    throw UsageError(std::string("--") + option + " cannot go with --no-math: nothing is trained, so there is nothing to " +
                     (std::string(option) == "metrics" ? "measure per epoch" : "save or resume"));
  };
  if (request.metrics_csv) refuse("metrics");
  if (request.checkpoint_dir) refuse("checkpoint-dir");
  if (request.resume) refuse("resume");
}

std::string summary(const TrainRequest& request, const Simulation& simulation, int epochs, double host_seconds) {
  const TrainConfig& c = request.config;
  const double visits_per_second = host_seconds > 0 ? double(simulation.clock().visit_count()) / host_seconds : 0.0;
  std::ostringstream out;
  out << std::setprecision(9) << "{\n"
      << run_identity_json_members(c, std::size_t(epochs))
      << "  \"scheduler\": " << json_string(c.scheduler.name) << ",\n"
      << simulation_json_members(simulation, "  ") << ",\n"
      << "  \"host_seconds\": " << host_seconds << ",\n"
      << "  \"host_visits_per_second\": " << visits_per_second << ",\n"
      << "  \"machine\": " << json_string(describe_machine()) << "\n"
      << "}\n";
  return out.str();
}

}  // namespace

int train_without_math(const TrainRequest& request, const StopSignals& stop_signals, std::ostream& out) {
  refuse_options_needing_arithmetic(request);
  const TrainConfig& config = request.config;
  validate(config);
  const KnownShape& shape = known_shape(config.dataset, "--no-math");
  const GraphConfig graph = graph_config(config, shape.input, shape.classes);
  const std::unique_ptr<Scheduler> scheduler = make_scheduler(config.scheduler);
  SimulationSettings settings = config.simulation;
  settings.record_visits = request.trace_json.has_value();  // millions of visits are kept only for a trace
  Simulation simulation(graph, settings);
  // Batches of the data set's size; their samples are only counted, never read.
  std::vector<std::uint32_t> samples(std::size_t(shape.train_samples));
  std::iota(samples.begin(), samples.end(), 0u);
  BatchPool pool([] { return BatchInfo{}; });
  out << "pepita train --no-math: rule " << config.rule.name() << ", " << expand_model(config.model, config.hidden, shape.classes)
      << ", " << config.dataset << " (" << shape.train_samples << " samples, not read), batch " << config.batch_size
      << ", scheduler " << config.scheduler.name << ", " << config.simulation.devices << " devices, cost " << config.simulation.cost
      << std::endl;
  const auto started = std::chrono::steady_clock::now();
  std::uint64_t next_id = 0;
  int epochs = 0;
  for (int epoch = 1; epoch <= config.epochs; ++epoch) {
    if (stop_signals.received()) break;
    std::vector<BatchHandle> batches;
    for (std::size_t start = 0; start < samples.size(); start += std::size_t(config.batch_size)) {
      if (config.max_batches > 0 && std::int64_t(batches.size()) >= config.max_batches) break;
      BatchHandle batch = pool.acquire();
      batch->id = next_id++;
      batch->epoch = epoch;
      batch->index = std::int64_t(batches.size());
      batch->samples = std::span<const std::uint32_t>(samples).subspan(start, std::min(std::size_t(config.batch_size), samples.size() - start));
      batches.push_back(std::move(batch));
    }
    scheduler->train(simulation, batches, [&] { return stop_signals.received() != 0; });
    ++epochs;
    out << "epoch " << std::setw(3) << epoch << "  " << simulation_text(simulation) << std::endl;
  }
  const double host_seconds = seconds_since(started);
  if (request.summary_json) write_file_atomically(*request.summary_json, summary(request, simulation, epochs, host_seconds));
  if (request.trace_json) write_file_atomically(*request.trace_json, simulation_chrome_trace(simulation));
  out << std::setprecision(3) << simulation.clock().visit_count() << " visits simulated in " << host_seconds << " s of host time ("
      << double(simulation.clock().visit_count()) / std::max(host_seconds, 1e-9) << " visits/s)" << std::endl;
  if (stop_signals.received()) return 128 + stop_signals.received();
  return exit_ok;
}

}  // namespace pepita::cli
