#pragma once
// Everything a training run is, with the paper's settings (SETTINGS.md, Table 2) as defaults.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "data/zca_whitening.hpp"
#include "graph/graph_config.hpp"
#include "graph/rule_options.hpp"
#include "graph/rule_registry.hpp"
#include "schedulers/scheduler_settings.hpp"
#include "simulation/simulation_settings.hpp"

namespace pepita {

// Which paper's defaults a run starts from: Dellaferrera & Kreiman, ICML 2022 (SETTINGS.md), or
// the ICLR 2024 follow-up's code (FOLLOWUP.md §1).
enum class Preset { paper, followup };

struct TrainConfig {
  Preset preset = Preset::paper;
  RuleChoice rule = "pepita";
  std::string model = "fc";
  std::string dataset = "mnist";
  std::filesystem::path data_dir = "data";
  std::vector<int> hidden{1024};
  int epochs = 100;
  int batch_size = 64;
  int eval_batch_size = 1000;
  double learning_rate = 0.1;
  std::vector<int> decay_epochs{60};  // the rate is multiplied by decay_factor after each of these
  double decay_factor = 0.1;
  double momentum = 0.9;
  double weight_decay = 0.0;  // L2 λ on W, in the SGD step: v ← μ·v + η·(ΔW + λ·W)
  double dropout = 0.1;
  InputWhitening whiten = InputWhitening::none;  // done to the loaded data before training (Appendix G)
  WeightInit weight_init = WeightInit::he_uniform;
  Precision precision = Precision::f32;  // of the layers' matmul and convolution inputs
  std::uint64_t seed = 0;
  PepitaOptions pepita;
  SchedulerSettings scheduler;
  std::int64_t max_batches = 0;  // per epoch, 0 = all (for quick runs and tests)
  std::int64_t max_eval_batches = 0;  // test batches per evaluation, 0 = all (likewise)
  SimulationSettings simulation;  // the host's clock, or simulated devices on a virtual clock
  // The ranks of an MPI job this run spans (distributed/), or null for one process. Not an option:
  // mpirun decides it.
  RemoteLink* link = nullptr;
};

// The paper's settings for a data set (mnist, cifar10, cifar100), model (fc, conv) and rule.
TrainConfig paper_defaults(const std::string& dataset, const std::string& model, const RuleChoice& rule);
// The follow-up's code's defaults (its train.py): η 0.01 with momentum 0.9, weight decay 10⁻⁴, η
// ×0.1 after 61 and 91 epochs, dropout 0.1, He-normal W and the factored Gaussian F. Fully
// connected models only, as in the follow-up; throws std::invalid_argument for --model conv.
TrainConfig followup_defaults(const std::string& dataset, const std::string& model, const RuleChoice& rule);
TrainConfig preset_defaults(Preset preset, const std::string& dataset, const std::string& model, const RuleChoice& rule);

// The graph a run builds for data of this shape: the model, the rule and its options, and the
// scheduler's flow policy and threads. Throws std::invalid_argument for a model that does not fit.
GraphConfig graph_config(const TrainConfig& config, ImageShape input, int classes);

// The learning rate of a 1-based epoch: step decay after each listed epoch.
double learning_rate_at(const TrainConfig& config, int epoch);

// Rejects values no run can use (non-finite or negative rates, zero sizes, …) before any work,
// with a one-line message naming the option.
void validate(const TrainConfig& config);

std::string to_string(OutputError value);

}  // namespace pepita
