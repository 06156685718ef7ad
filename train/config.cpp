#include "train/config.hpp"

#include <algorithm>

#include "graph/model_spec.hpp"
#include "schedulers/scheduler_registry.hpp"

#include <cmath>
#include <stdexcept>

namespace pepita {

namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument(message);
}

}  // namespace

TrainConfig paper_defaults(const std::string& dataset, const std::string& model, const RuleChoice& rule) {
  TrainConfig config;
  config.dataset = dataset;
  config.model = model;
  config.rule = rule;
  const bool mnist = dataset == "mnist" || dataset == "mnist-hard" || dataset.starts_with("idx:");
  config.hidden = {1024};
  config.epochs = 100;
  if (model == "conv") {
    config.decay_epochs = {10, 30, 50};
    config.batch_size = 100;
    config.dropout = 0.0;
  } else {
    config.decay_epochs = mnist ? std::vector<int>{60} : std::vector<int>{60, 90};
    config.batch_size = 64;
    config.dropout = 0.1;
  }
  config.learning_rate = rule.paper_learning_rate({.conv = model == "conv", .mnist = mnist});  // Table 2
  return config;
}

TrainConfig followup_defaults(const std::string& dataset, const std::string& model, const RuleChoice& rule) {
  if (model == "conv") throw std::invalid_argument("--preset followup: the follow-up trains fully connected nets only; use --preset paper for --model conv");
  TrainConfig config;
  config.preset = Preset::followup;
  config.dataset = dataset;
  config.model = model;
  config.rule = rule;
  config.hidden = {1024};
  config.epochs = 100;
  config.batch_size = 64;
  config.learning_rate = 0.01;
  config.momentum = 0.9;
  config.weight_decay = 1e-4;
  // Its scheduler lowers η at the end of 0-based epochs 60 and 90: from 1-based epoch 62 and 92.
  config.decay_epochs = {61, 91};
  config.decay_factor = 0.1;
  config.dropout = 0.1;
  config.weight_init = WeightInit::he_normal;
  config.pepita.f_init = FeedbackInit::factored;
  config.pepita.f_scale = 0.05f;
  return config;
}

TrainConfig preset_defaults(Preset preset, const std::string& dataset, const std::string& model, const RuleChoice& rule) {
  return preset == Preset::followup ? followup_defaults(dataset, model, rule) : paper_defaults(dataset, model, rule);
}

double learning_rate_at(const TrainConfig& config, int epoch) {
  double rate = config.learning_rate;
  for (int milestone : config.decay_epochs)
    if (epoch > milestone) rate *= config.decay_factor;
  return rate;
}

GraphConfig graph_config(const TrainConfig& config, ImageShape input, int classes) {
  GraphConfig graph{.rule = config.rule,
                    .input = input,
                    .stages = parse_model_spec(expand_model(config.model, config.hidden, classes), input, classes),
                    .classes = classes,
                    .dropout = float(config.dropout),
                    .momentum = float(config.momentum),
                    .weight_decay = float(config.weight_decay),
                    .weight_init = config.weight_init,
                    .precision = config.precision,
                    .seed = config.seed,
                    .max_rows = std::max(config.batch_size, config.eval_batch_size),
                    .batch_rows = config.batch_size,
                    .pepita = config.pepita};
  make_scheduler(config.scheduler)->configure(graph);
  return graph;
}

void validate(const TrainConfig& config) {
  require(std::isfinite(config.learning_rate) && config.learning_rate > 0, "--lr must be a finite number > 0");
  require(std::isfinite(config.decay_factor) && config.decay_factor > 0, "--lr-decay must be a finite number > 0");
  require(std::isfinite(config.momentum) && config.momentum >= 0 && config.momentum < 1, "--momentum must be in [0, 1)");
  require(std::isfinite(config.weight_decay) && config.weight_decay >= 0, "--weight-decay must be a finite number >= 0");
  require(std::isfinite(config.dropout) && config.dropout >= 0 && config.dropout < 1, "--dropout must be in [0, 1)");
  require(std::isfinite(config.pepita.f_scale) && config.pepita.f_scale >= 0, "--f-scale must be a finite number >= 0");
  require(std::isfinite(config.pepita.perturbation_scale) && config.pepita.perturbation_scale >= 0,
          "--perturb-scale must be a finite number >= 0");
  const MirrorOptions& mirror = config.pepita.mirror;
  require(mirror.every >= 0 && mirror.pre_epochs >= 0, "--mirror-every and --mirror-pre-epochs must be >= 0");
  require(std::isfinite(mirror.learning_rate) && mirror.learning_rate >= 0 && std::isfinite(mirror.decay) && mirror.decay >= 0,
          "--mirror-lr and --mirror-decay must be finite numbers >= 0");
  require(!mirror.on() || config.pepita.f_init == FeedbackInit::factored,
          "feedback mirroring needs --f-init factored: the follow-up mirrors F's factors, one per layer");
  require(!mirror.on() || !config.simulation.on_virtual_clock(),
          "feedback mirroring runs on the host clock only: the simulated devices do not model the mirror pass");
  require(config.pepita.normalize_activity || config.pepita.normalisation_scope == NormalisationScope::batch,
          "--normalize-over sample needs --normalize-activity");
  config.rule->validate(config.pepita);
  require(config.epochs >= 1, "--epochs must be at least 1");
  require(config.batch_size >= 1, "--batch-size must be at least 1");
  require(config.eval_batch_size >= 1, "--eval-batch-size must be at least 1");
  require(config.max_batches >= 0, "--max-batches must be >= 0");
  require(config.max_eval_batches >= 0, "--max-eval-batches must be >= 0");
  for (int units : config.hidden) require(units >= 1, "--hidden: every layer needs at least 1 unit");
  for (int epoch : config.decay_epochs) require(epoch >= 1, "--decay-epochs: epochs count from 1");
  make_scheduler(config.scheduler);  // throws for an unknown name, or an option it does not read
  require(config.scheduler.stash_form != StashForm::updates || (config.momentum == 0 && config.weight_decay == 0),
          "--stash-form updates needs --momentum 0 and --weight-decay 0: only a plain SGD step is the rank-few "
          "term it keeps");
  require_valid_lags(config.scheduler.staleness, config.scheduler.in_flight);  // their count waits for the model
  require(config.scheduler.threads >= 0 && config.scheduler.dnnl_threads >= 0, "--threads must be >= 0");
  const SimulationSettings& simulation = config.simulation;
  require(simulation.on_virtual_clock() || !simulation.no_math, "--no-math needs --clock virtual: only simulated time can run without arithmetic");
  if (config.link && simulation.on_virtual_clock())
    throw std::invalid_argument("--clock virtual simulates devices inside one process; under mpirun the ranks are the devices");
  require(simulation.devices >= 1, "--devices must be at least 1");
  require(simulation.cost == "unit" || simulation.cost == "flops" || simulation.cost == "measured",
          "--cost must be one of: unit, flops, measured");
  require(std::isfinite(simulation.device_gflops) && simulation.device_gflops > 0, "--device-gflops must be a finite number > 0");
  require(simulation.cost != "measured" || !simulation.profile.empty(), "--cost measured needs --profile FILE (made by pepita calibrate)");
  require(std::isfinite(simulation.link_latency_seconds) && simulation.link_latency_seconds >= 0,
          "--link-latency must be a finite number of seconds >= 0");
  require(std::isfinite(simulation.link_gigabytes_per_second) && simulation.link_gigabytes_per_second >= 0,
          "--link-bandwidth must be a finite number of GB/s >= 0 (0: unlimited)");
  // Checked before any work: a CPU without bf16 kernels would otherwise fail at the first matmul.
  if (config.precision == Precision::bf16 && !simulation.no_math) {
    const std::string problem = bf16_support_problem();
    if (!problem.empty()) throw std::invalid_argument("--precision bf16: " + problem);
  }
}

std::string to_string(OutputError value) { return value == OutputError::standard ? "standard" : "modulated"; }

}  // namespace pepita
