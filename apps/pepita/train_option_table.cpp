#include "train_option_table.hpp"

#include <algorithm>
#include <boost/lexical_cast.hpp>
#include <boost/program_options.hpp>
#include <charconv>
#include <concepts>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "cli.hpp"
#include "graph/rule_registry.hpp"
#include "schedulers/scheduler_options.hpp"
#include "schedulers/scheduler_registry.hpp"

namespace po = boost::program_options;

namespace pepita::cli {

namespace {

// An enumerated field's value names, found by the field's type: reading and writing share them.
template <class Enum>
using Choice = std::pair<const char*, Enum>;
constexpr Choice<OutputError> output_errors[] = {{"standard", OutputError::standard}, {"modulated", OutputError::modulated}};
constexpr Choice<Perturbation> perturbations[] = {
    {"error", Perturbation::error}, {"random", Perturbation::random}, {"random-symmetric", Perturbation::random_symmetric}};
constexpr Choice<ConvNormalisation> conv_normalisations[] = {{"positions", ConvNormalisation::positions},
                                                             {"sqrt", ConvNormalisation::sqrt_positions},
                                                             {"none", ConvNormalisation::none}};
constexpr Choice<Preset> presets[] = {{"paper", Preset::paper}, {"followup", Preset::followup}};
constexpr Choice<WeightInit> weight_inits[] = {{"he-uniform", WeightInit::he_uniform}, {"he-normal", WeightInit::he_normal}};
constexpr Choice<NormalisationScope> normalisation_scopes[] = {{"batch", NormalisationScope::batch},
                                                               {"sample", NormalisationScope::sample}};
constexpr Choice<FeedbackInit> feedback_inits[] = {{"uniform", FeedbackInit::uniform}, {"factored", FeedbackInit::factored}};
constexpr Choice<InputWhitening> whitenings[] = {{"none", InputWhitening::none}, {"zca", InputWhitening::zca}};
constexpr Choice<Precision> precisions[] = {{"f32", Precision::f32}, {"bf16", Precision::bf16}};
constexpr Choice<RunClock> clocks[] = {{"host", RunClock::host}, {"virtual", RunClock::virtual_devices}};

std::span<const Choice<OutputError>> choices(OutputError) { return output_errors; }
std::span<const Choice<Preset>> choices(Preset) { return presets; }
std::span<const Choice<WeightInit>> choices(WeightInit) { return weight_inits; }
std::span<const Choice<FeedbackInit>> choices(FeedbackInit) { return feedback_inits; }
std::span<const Choice<NormalisationScope>> choices(NormalisationScope) { return normalisation_scopes; }
std::span<const Choice<RunClock>> choices(RunClock) { return clocks; }
std::span<const Choice<Precision>> choices(Precision) { return precisions; }
std::span<const Choice<InputWhitening>> choices(InputWhitening) { return whitenings; }
std::span<const Choice<Perturbation>> choices(Perturbation) { return perturbations; }
std::span<const Choice<ConvNormalisation>> choices(ConvNormalisation) { return conv_normalisations; }

template <class Enum>
Enum parse_choice(const std::string& text, const std::string& key) {
  std::string names;
  for (const auto& [name, value] : choices(Enum{})) {
    if (text == name) return value;
    names += (names.empty() ? "" : ", ") + std::string(name);
  }
  throw UsageError("--" + key + ": '" + text + "' is not one of: " + names);
}

// A number as the shortest text that reads back as exactly the same double.
std::string exact(double value) {
  char text[32];
  return {text, std::to_chars(text, text + sizeof text, value).ptr};
}

// A float option is read as a double and then narrowed: prefer the float's shortest text, if it
// survives that trip, else the double's.
std::string exact(float value) {
  char text[32];
  const std::string shortest(text, std::to_chars(text, text + sizeof text, value).ptr);
  return float(boost::lexical_cast<double>(shortest)) == value ? shortest : exact(double(value));
}

// A field's value as the text that field_value (below) turns back into the same value.
std::string text(const std::string& value) { return value; }
std::string text(std::integral auto value) { return std::to_string(value); }
std::string text(double value) { return exact(value); }
std::string text(float value) { return exact(value); }
std::string text(const RuleChoice& rule) { return rule.name(); }
// Absolute, so that a run resumed from another working directory finds the same data.
std::string text(const std::filesystem::path& path) { return path.empty() ? "" : std::filesystem::absolute(path).string(); }

std::string text(const std::vector<int>& values) {
  if (values.empty()) return "none";
  std::string list = std::to_string(values.front());
  for (std::size_t i = 1; i < values.size(); ++i) list.append(",").append(std::to_string(values[i]));
  return list;
}

template <class Enum>
  requires std::is_enum_v<Enum>
std::string text(Enum value) {
  for (const auto& [name, choice] : choices(Enum{}))
    if (choice == value) return name;
  throw std::logic_error("an enumerated option without a name");
}

// What boost parses a field's option as: a number as its own type (a float as a double, which is
// then narrowed), anything else as text for field_value to take apart.
template <class Field>
using Parsed = std::conditional_t<std::is_same_v<Field, float>, double,
                                  std::conditional_t<std::is_arithmetic_v<Field>, Field, std::string>>;

template <class Field>
Field field_value(const Parsed<Field>& parsed, const std::string& key) {
  if constexpr (std::is_same_v<Field, std::vector<int>>) {
    return parse_int_list(parsed, key);
  } else if constexpr (std::is_enum_v<Field>) {
    return parse_choice<Field>(parsed, key);
  } else {
    return Field(parsed);  // a number, a name, a path, or a rule (which throws for an unknown name)
  }
}

// A bool option is a switch: given or not, with no value to write.
template <class Parsed>
po::value_semantic* value_semantic(const std::string& value_name) {
  if constexpr (std::is_same_v<Parsed, bool>) {
    return po::bool_switch();
  } else {
    return po::value<Parsed>()->value_name(value_name);
  }
}

// The member a path of member pointers reaches: at(config, &TrainConfig::pepita,
// &PepitaOptions::f_scale) is config.pepita.f_scale.
template <class Object, class... Members>
auto& at(Object& object, Members... path) {
  return (object .* ... .* path);
}

// An option read into the request and not saved with the configuration.
template <class... Members>
OptionBinding request_field(Members... path) {
  using Field = std::remove_cvref_t<decltype(at(std::declval<TrainRequest&>(), path...))>;
  return {.value = value_semantic<Parsed<Field>>,
          .read = [=](const po::variable_value& given, const std::string& key, TrainRequest& request) {
            at(request, path...) = field_value<Field>(given.as<Parsed<Field>>(), key);
          }};
}

// A field of TrainConfig: read into the request's configuration, and written back as it was read.
template <class... Members>
OptionBinding setting(Members... path) {
  OptionBinding binding = request_field(&TrainRequest::config, path...);
  binding.write = [=](const TrainConfig& config) { return text(at(config, path...)); };
  return binding;
}

// A scheduler's knob, read and written by its catalogue entry.
OptionBinding scheduler_setting(const SchedulerOption& option) {
  return {.value = value_semantic<std::string>,
          .read = [&option](const po::variable_value& given, const std::string&, TrainRequest& request) {
            option.read(given.as<std::string>(), request.config.scheduler);
          },
          .write = [&option](const TrainConfig& config) { return option.write(config.scheduler); }};
}

// "sequential: one batch at a time (…); pipelined: …", from the registry.
std::string scheduler_summaries() {
  std::string summaries;
  for (const SchedulerEntry& entry : registered_schedulers())
    summaries += (summaries.empty() ? "" : "; ") + entry.name + ": " + entry.summary;
  return summaries;
}

// A scheduler option's help, naming the schedulers that read it: "pipelined, async: …".
std::string scheduler_option_help(const SchedulerOption& option) {
  std::string readers;
  for (const SchedulerEntry& entry : registered_schedulers())
    if (entry.reads(option.flag))
      readers += (readers.empty() ? "" : ", ") + entry.name;
  return readers + ": " + std::string(option.help);
}

}  // namespace

std::string title(TrainOptionGroup group) {
  switch (group) {
    case TrainOptionGroup::what: return "what to train";
    case TrainOptionGroup::how: return "how (defaults: the --preset's settings for the data set and rule)";
    case TrainOptionGroup::running: return "running";
    case TrainOptionGroup::simulation: return "simulated devices: the same graph on a virtual clock (docs/simulation.md)";
    case TrainOptionGroup::checkpoints:
      return "checkpoints (on SIGINT or SIGTERM a run stops where it would next save, saves, and exits 130 or 143)";
  }
  throw std::logic_error("a train option group without a title");
}

std::vector<TrainOption> train_option_table() {
  using enum TrainOptionGroup;
  using Config = TrainConfig;
  using Request = TrainRequest;
  std::vector<TrainOption> table = {
      {"preset", "NAME", "whose defaults every option below starts from: paper (Dellaferrera & Kreiman, ICML 2022, Table 2; the default) or followup (the ICLR 2024 follow-up's code: --lr 0.01, --weight-decay 1e-4, --decay-epochs 61,91, --w-init he-normal, --f-init factored; fc models only)", what, setting(&Config::preset)},
      {"dataset", "NAME", "mnist, mnist-hard (MNIST permuted, inverted, 20% of training labels wrong: a stress set), cifar10, cifar100, or idx:DIR (default mnist)", what, setting(&Config::dataset)},
      {"data-dir", "DIR", "data directory (default $PEPITA_DATA_DIR, else ./data)", what, setting(&Config::data_dir)},
      {"rule", "RULE", "learning rule: " + rule_names() + " (default pepita)", what, setting(&Config::rule)},
      {"model", "MODEL", "fc (default; layers from --hidden), conv (the paper's conv32k5-pool2-fcC), or a spec such as conv32k5-pool2-fc10 (docs/models.md)", what, setting(&Config::model)},
      {"hidden", "N[,N…]", "hidden layer sizes (default 1024; 'none' for none)", what, setting(&Config::hidden)},

      {"epochs", "N", "epochs (default 100)", how, setting(&Config::epochs)},
      {"batch-size", "N", "training batch size (default 64)", how, setting(&Config::batch_size)},
      {"eval-batch-size", "N", "evaluation batch size (default 1000)", how, setting(&Config::eval_batch_size)},
      {"lr", "RATE", "learning rate η (default: the preset's; the paper's Table 2 gives 0.1 on MNIST)", how, setting(&Config::learning_rate)},
      {"decay-epochs", "E[,E…]", "multiply η by --lr-decay after these epochs (default 60 on MNIST, 60,90 on CIFAR)", how, setting(&Config::decay_epochs)},
      {"lr-decay", "FACTOR", "step decay factor (default 0.1)", how, setting(&Config::decay_factor)},
      {"momentum", "MU", "SGD momentum (default 0.9)", how, setting(&Config::momentum)},
      {"weight-decay", "L", "L2 weight decay λ on W, as the ICLR 2024 follow-up's SGD: v ← μ·v + η·(ΔW + λ·W) (default 0)", how, setting(&Config::weight_decay)},
      {"dropout", "P", "drop probability after hidden ReLUs (default 0.1)", how, setting(&Config::dropout)},
      {"whiten", "HOW", "input whitening: none (default) or zca (the paper's Appendix G: ZCA from the training set's pixel covariance, ε = 0.1, rescaled to [0, 1]; Table 4 pairs it with --lr 0.01)", how, setting(&Config::whiten)},
      {"seed", "N", "seed for weights, F, dropout and shuffling (default 0)", how, setting(&Config::seed)},
      {"w-init", "HOW", "W_l drawn he-uniform (the paper's) or he-normal (the follow-up's): U(±√(6/fan_in)) or N(0, 2/fan_in)", how, setting(&Config::weight_init)},
      {"f-init", "HOW", "PEPITA's F drawn uniform (the paper's: one matrix, U(±S·√(6/input_dim))) or factored (the follow-up's: F = −B_1⋯B_L, one Gaussian factor per layer, so the input is x − B_1⋯B_L·e)", how, setting(&Config::pepita, &PepitaOptions::f_init)},
      {"mirror-every", "K", "feedback mirroring (the follow-up's): F's factors learn from each layer's response to noise on every batch of every K-th epoch (default 0: never; needs --f-init factored)", how, setting(&Config::pepita, &PepitaOptions::mirror, &MirrorOptions::every)},
      {"mirror-pre-epochs", "P", "mirror on every batch of the first P epochs, in which W does not learn (default 0)", how, setting(&Config::pepita, &PepitaOptions::mirror, &MirrorOptions::pre_epochs)},
      {"mirror-lr", "RATE", "mirroring's learning rate for F's factors, never decayed (default 0.1, the follow-up's train.py)", how, setting(&Config::pepita, &PepitaOptions::mirror, &MirrorOptions::learning_rate)},
      {"mirror-decay", "L", "mirroring's weight decay on F's factors (default 0.5, the follow-up's train.py)", how, setting(&Config::pepita, &PepitaOptions::mirror, &MirrorOptions::decay)},
      {"f-scale", "S", "std(F) = S·√(2/input_dim) (default 0.05)", how, setting(&Config::pepita, &PepitaOptions::f_scale)},
      {"output-error", "PASS", "output update from the standard (Algorithm 1, default) or modulated pass's error", how, setting(&Config::pepita, &PepitaOptions::output_error)},
      {"normalize-activity", "", "divide each hidden layer's activity by its batch's Frobenius norm after the ReLU, in both passes (the follow-up's activity normalisation; PEPITA rules only)", how, setting(&Config::pepita, &PepitaOptions::normalize_activity)},
      {"normalize-over", "SCOPE", "what --normalize-activity divides by: the batch's Frobenius norm (batch, default, the follow-up's) or each sample's own norm (sample), so that a sample's scale does not depend on the batch size", how, setting(&Config::pepita, &PepitaOptions::normalisation_scope)},
      {"conv-norm", "HOW", "PEPITA conv update: divide the sum over output positions by their number (positions, default, §3.3), its square root (sqrt), or not (none)", how, setting(&Config::pepita, &PepitaOptions::conv_normalisation)},
      {"perturb", "KIND", "PEPITA's modulation: error (the rule, default), random (ablation: F·(k·r), r ~ U[0,1), Appendix D) or random-symmetric (r ~ U[-1,1), Fig. 5's caption)", how, setting(&Config::pepita, &PepitaOptions::perturbation)},
      {"perturb-scale", "K", "k for --perturb random and random-symmetric (default 1)", how, setting(&Config::pepita, &PepitaOptions::perturbation_scale)},
      {"max-batches", "N", "train on at most N batches per epoch (default all)", how, setting(&Config::max_batches)},
      {"max-eval-batches", "N", "evaluate on at most N test batches after each epoch (default all)", how, setting(&Config::max_eval_batches)},

      {"scheduler", "NAME", "how batches flow through the graph: " + scheduler_summaries(), running, setting(&Config::scheduler, &SchedulerSettings::name)},
  };
  for (const SchedulerOption& option : scheduler_options())
    table.push_back({std::string(option.flag), std::string(option.value_name), scheduler_option_help(option), running,
                     scheduler_setting(option)});
  table.insert(table.end(), {
      {"precision", "P", "what matmuls and convolutions read: f32 (default) or bf16, mixed precision: they accumulate and write f32, and W, the optimizer and every element-wise step stay f32 (docs/results.md)", running, setting(&Config::precision)},
      {"threads", "N", "cores to use (default all)", running, setting(&Config::scheduler, &SchedulerSettings::threads)},
      {"dnnl-threads", "N", "OpenMP threads inside each oneDNN primitive (default: the scheduler's choice)", running, setting(&Config::scheduler, &SchedulerSettings::dnnl_threads)},
      {"metrics", "PATH.csv", "write one CSV row per epoch", running, request_field(&Request::metrics_csv)},
      {"summary", "PATH.json", "write a JSON summary at the end", running, request_field(&Request::summary_json)},
      {"trace", "PATH.json", "write Chrome trace events (Perfetto): a track per node, a slice per message", running, request_field(&Request::trace_json)},
      {"config", "FILE", "read options from a file (key = value lines); the command line wins", running, {.value = value_semantic<std::string>}},
      {"quiet,q", "", "no progress on stderr", running, request_field(&Request::quiet)},
      {"check-weights", "", "compare the W each learning pass computes with against the W its batch's standard pass saw, and report per layer how many differed (none may under --weights stash); keeps a copy of W per batch in flight", running, request_field(&Request::check_weights)},
      {"help,h", "", "this help", running, request_field(&Request::help)},

      {"clock", "CLOCK", "host (real threads, default) or virtual: nodes on simulated devices, time from a cost model; the arithmetic still runs", simulation, setting(&Config::simulation, &SimulationSettings::clock)},
      {"devices", "D", "simulated devices (default 1), at most one per learning layer", simulation, setting(&Config::simulation, &SimulationSettings::devices)},
      {"placement", "HOW", "contiguous (consecutive layers per device, as even in count as they go; the default for simulated devices), balanced (consecutive layers per device, as even in FLOPs as they go; the default for MPI ranks), interleaved (layer l on device l mod D), pool (D workers that take any node, one visit per node at a time, one memory, no links: the host's threads), or a device per learning layer: 0,0,1,1", simulation, setting(&Config::simulation, &SimulationSettings::placement)},
      {"cost", "MODEL", "unit (every stage visit 1, default), flops (FLOPs / --device-gflops) or measured (--profile from pepita calibrate)", simulation, setting(&Config::simulation, &SimulationSettings::cost)},
      {"device-gflops", "G", "a simulated device's rate for --cost flops (default 100)", simulation, setting(&Config::simulation, &SimulationSettings::device_gflops)},
      {"profile", "FILE", "visit times measured by pepita calibrate, for --cost measured", simulation, setting(&Config::simulation, &SimulationSettings::profile)},
      {"link-latency", "S", "seconds a message takes between two devices, besides its bytes (default 0)", simulation, setting(&Config::simulation, &SimulationSettings::link_latency_seconds)},
      {"link-bandwidth", "GBPS", "GB/s between two devices; a message's bytes are its real tensor sizes (default 0: unlimited)", simulation, setting(&Config::simulation, &SimulationSettings::link_gigabytes_per_second)},
      {"no-math", "", "compute nothing: shapes and messages flow, the schedule, times and memory stay exact; no data is read, no weights exist", simulation, setting(&Config::simulation, &SimulationSettings::no_math)},

      {"checkpoint-dir", "DIR", "save the run in DIR/checkpoint.pepita after every epoch, replacing it atomically (DIR must not hold one yet); across MPI ranks that file is a manifest and each rank saves its layers in DIR/rank-R.G.pepita", checkpoints, request_field(&Request::checkpoint_dir)},
      {"checkpoint-every", "N", "also save after every N training batches of an epoch; gpipe rounds N up to a multiple of --micro-batches (default 0: at epoch ends only)", checkpoints, request_field(&Request::checkpoint_every)},
      {"resume", "DIR", "continue the run saved in DIR with the configuration saved there; only --metrics, --summary, --trace, --quiet, --checkpoint-every, --checkpoint-dir and --data-dir may go with it", checkpoints, request_field(&Request::resume)},
  });
  return table;
}

}  // namespace pepita::cli
