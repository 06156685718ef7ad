#include "train_options.hpp"

#include <algorithm>
#include <boost/lexical_cast.hpp>
#include <boost/program_options.hpp>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "cli.hpp"
#include "data/data_dir.hpp"

namespace po = boost::program_options;

namespace pepita::cli {

namespace {

// An enumerated option's names; parsing and config_text share them.
template <class Enum>
using Choice = std::pair<const char*, Enum>;
constexpr Choice<OutputError> output_errors[] = {{"standard", OutputError::standard}, {"modulated", OutputError::modulated}};
constexpr Choice<Presynaptic> presynaptic_choices[] = {{"modulated", Presynaptic::modulated},
                                                       {"standard", Presynaptic::standard}};
constexpr Choice<Perturbation> perturbations[] = {{"error", Perturbation::error}, {"random", Perturbation::random}};
constexpr Choice<WeightPolicy> weight_policies[] = {{"latest", WeightPolicy::latest}, {"stash", WeightPolicy::stash}};
constexpr Choice<ConvNormalisation> conv_normalisations[] = {{"positions", ConvNormalisation::positions},
                                                             {"sqrt", ConvNormalisation::sqrt_positions},
                                                             {"none", ConvNormalisation::none}};

template <class Enum, std::size_t N>
Enum parse_choice(const std::string& text, const std::string& option, const Choice<Enum> (&choices)[N]) {
  std::string names;
  for (const auto& [name, value] : choices) {
    if (text == name) return value;
    names += (names.empty() ? "" : ", ") + std::string(name);
  }
  throw UsageError("--" + option + ": '" + text + "' is not one of: " + names);
}

template <class Enum, std::size_t N>
const char* choice_name(Enum value, const Choice<Enum> (&choices)[N]) {
  for (const auto& [name, choice] : choices)
    if (choice == value) return name;
  throw std::logic_error("an enumerated option without a name");
}

// Copies an option into `target` only when the user gave it, so paper defaults survive otherwise.
template <class T>
void take(const po::variables_map& vm, const char* name, T& target) {
  if (vm.count(name)) target = vm[name].as<T>();
}

// What may go with --resume: where the outputs go and how often to save. Every other option
// defines the training, which continues as it was saved.
constexpr std::string_view resume_options[] = {"resume",  "help",           "quiet",            "metrics",
                                               "summary", "trace",          "checkpoint-dir",   "checkpoint-every",
                                               "data-dir"};

po::variables_map read_command_line(const std::vector<std::string>& args, const po::options_description& description) {
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(description).run(), vm);
  return vm;
}

void require_resume_compatible(const po::variables_map& vm) {
  for (const auto& [name, value] : vm) {
    if (value.defaulted() || std::find(std::begin(resume_options), std::end(resume_options), name) != std::end(resume_options))
      continue;
    throw UsageError("--" + name + " cannot be given with --resume: the run continues with the configuration in its checkpoint");
  }
}

std::int64_t checkpoint_every(const po::variables_map& vm) {
  std::int64_t every = 0;
  take(vm, "checkpoint-every", every);
  if (every < 0) throw UsageError("--checkpoint-every must be >= 0");
  return every;
}

// The request the stored options make: the command line's, then any configuration text's.
TrainRequest request_from(const po::variables_map& vm) {
  TrainRequest request;
  request.help = vm["help"].as<bool>();
  request.quiet = vm["quiet"].as<bool>();
  std::string dataset = "mnist", model = "fc", rule = "pepita";
  take(vm, "dataset", dataset);
  take(vm, "model", model);
  take(vm, "rule", rule);
  if (!is_known_dataset(dataset)) throw UsageError("--dataset: unknown data set '" + dataset + "' (mnist, cifar10, cifar100, idx:DIR)");

  TrainConfig& c = request.config;
  c = paper_defaults(dataset, model, rule);
  std::optional<std::string> data_dir;
  if (vm.count("data-dir")) data_dir = vm["data-dir"].as<std::string>();
  c.data_dir = resolve_data_dir(data_dir);
  if (vm.count("hidden")) c.hidden = parse_int_list(vm["hidden"].as<std::string>(), "hidden");
  if (vm.count("decay-epochs")) c.decay_epochs = parse_int_list(vm["decay-epochs"].as<std::string>(), "decay-epochs");
  take(vm, "epochs", c.epochs);
  take(vm, "batch-size", c.batch_size);
  take(vm, "eval-batch-size", c.eval_batch_size);
  take(vm, "lr", c.learning_rate);
  take(vm, "lr-decay", c.decay_factor);
  take(vm, "momentum", c.momentum);
  take(vm, "dropout", c.dropout);
  take(vm, "seed", c.seed);
  take(vm, "max-batches", c.max_batches);
  if (vm.count("f-scale")) c.pepita.f_scale = float(vm["f-scale"].as<double>());
  if (vm.count("output-error"))
    c.pepita.output_error = parse_choice(vm["output-error"].as<std::string>(), "output-error", output_errors);
  if (vm.count("presynaptic"))
    c.pepita.presynaptic = parse_choice(vm["presynaptic"].as<std::string>(), "presynaptic", presynaptic_choices);
  if (vm.count("conv-norm"))
    c.pepita.conv_normalisation = parse_choice(vm["conv-norm"].as<std::string>(), "conv-norm", conv_normalisations);
  if (vm.count("perturb"))
    c.pepita.perturbation = parse_choice(vm["perturb"].as<std::string>(), "perturb", perturbations);
  if (vm.count("perturb-scale")) c.pepita.perturbation_scale = float(vm["perturb-scale"].as<double>());
  take(vm, "scheduler", c.scheduler.name);
  take(vm, "in-flight", c.scheduler.in_flight);
  take(vm, "micro-batches", c.scheduler.micro_batches);
  take(vm, "tokens", c.scheduler.tokens);
  if (vm.count("weights"))
    c.scheduler.weights = parse_choice(vm["weights"].as<std::string>(), "weights", weight_policies);
  take(vm, "threads", c.scheduler.threads);
  take(vm, "dnnl-threads", c.scheduler.dnnl_threads);
  if (vm.count("metrics")) request.metrics_csv = vm["metrics"].as<std::string>();
  if (vm.count("summary")) request.summary_json = vm["summary"].as<std::string>();
  if (vm.count("trace")) request.trace_json = vm["trace"].as<std::string>();
  if (vm.count("resume")) request.resume = vm["resume"].as<std::string>();
  if (vm.count("checkpoint-dir")) {
    request.checkpoint_dir = vm["checkpoint-dir"].as<std::string>();
  } else if (request.resume) {
    request.checkpoint_dir = request.resume;
  }
  request.checkpoint_every = checkpoint_every(vm);
  if (request.checkpoint_every > 0 && !request.checkpoint_dir)
    throw UsageError("--checkpoint-every needs --checkpoint-dir (or --resume)");
  if (!request.help) validate(c);
  return request;
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

std::string int_list(const std::vector<int>& values) {
  if (values.empty()) return "none";
  std::string text = std::to_string(values.front());
  for (std::size_t i = 1; i < values.size(); ++i) text.append(",").append(std::to_string(values[i]));
  return text;
}

}  // namespace

std::vector<int> parse_int_list(const std::string& text, const std::string& option) {
  std::vector<int> values;
  if (text.empty() || text == "none") return values;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(',', start), text.size());
    int value = 0;
    const char* first = text.data() + start;
    const char* last = text.data() + end;
    const auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || ptr != last || first == last)
      throw UsageError("--" + option + ": '" + text + "' is not a comma-separated list of integers");
    values.push_back(value);
    start = end + 1;
  }
  return values;
}

po::options_description train_options_description() {
  po::options_description what("what to train");
  what.add_options()
      ("dataset", po::value<std::string>()->value_name("NAME"), "mnist, cifar10, cifar100, or idx:DIR (default mnist)")
      ("data-dir", po::value<std::string>()->value_name("DIR"), "data directory (default $PEPITA_DATA_DIR, else ./data)")
      ("rule", po::value<std::string>()->value_name("RULE"), "learning rule: pepita, bp, fa, dfa, drtp (default pepita)")
      ("model", po::value<std::string>()->value_name("MODEL"), "fc (default; layers from --hidden), conv (the paper's conv32k5-pool2-fcC), or a spec such as conv32k5-pool2-fc10 (docs/models.md)")
      ("hidden", po::value<std::string>()->value_name("N[,N…]"), "hidden layer sizes (default 1024; 'none' for none)");
  po::options_description how("how (defaults: the paper's settings for the data set and rule)");
  how.add_options()
      ("epochs", po::value<int>()->value_name("N"), "epochs (default 100)")
      ("batch-size", po::value<int>()->value_name("N"), "training batch size (default 64)")
      ("eval-batch-size", po::value<int>()->value_name("N"), "evaluation batch size (default 1000)")
      ("lr", po::value<double>()->value_name("RATE"), "learning rate η (default per Table 2: 0.1 on MNIST)")
      ("decay-epochs", po::value<std::string>()->value_name("E[,E…]"), "multiply η by --lr-decay after these epochs (default 60 on MNIST, 60,90 on CIFAR)")
      ("lr-decay", po::value<double>()->value_name("FACTOR"), "step decay factor (default 0.1)")
      ("momentum", po::value<double>()->value_name("MU"), "SGD momentum (default 0.9)")
      ("dropout", po::value<double>()->value_name("P"), "drop probability after hidden ReLUs (default 0.1)")
      ("seed", po::value<std::uint64_t>()->value_name("N"), "seed for weights, F, dropout and shuffling (default 0)")
      ("f-scale", po::value<double>()->value_name("S"), "F ~ U(±S·√(6/input_dim)) (default 0.05)")
      ("output-error", po::value<std::string>()->value_name("PASS"), "output update from the standard (Algorithm 1, default) or modulated pass's error")
      ("presynaptic", po::value<std::string>()->value_name("PASS"), "hidden updates' presynaptic term from the modulated (default) or standard pass")
      ("conv-norm", po::value<std::string>()->value_name("HOW"), "PEPITA conv update: divide the sum over output positions by their number (positions, default, §3.3), its square root (sqrt), or not (none)")
      ("perturb", po::value<std::string>()->value_name("KIND"), "PEPITA's modulation: error (the rule, default) or random (ablation: F·(k·r), r ~ U[0,1))")
      ("perturb-scale", po::value<double>()->value_name("K"), "k for --perturb random (default 1)")
      ("max-batches", po::value<std::int64_t>()->value_name("N"), "train on at most N batches per epoch (default all)");
  po::options_description run("running");
  run.add_options()
      ("scheduler", po::value<std::string>()->value_name("NAME"), "how batches flow through the graph: sequential (default), pipelined, gpipe, async")
      ("in-flight", po::value<int>()->value_name("K"), "pipelined: batches in flight (default 4)")
      ("weights", po::value<std::string>()->value_name("POLICY"), "pipelined: latest (default) or stash (each batch learns against the weights its standard pass used)")
      ("micro-batches", po::value<int>()->value_name("M"), "gpipe: micro-batches of --batch-size per update (default 4)")
      ("tokens", po::value<int>()->value_name("K"), "async: batches in flight (default 4)")
      ("threads", po::value<int>()->value_name("N"), "cores to use (default all)")
      ("dnnl-threads", po::value<int>()->value_name("N"), "OpenMP threads inside each oneDNN primitive (default: the scheduler's choice)")
      ("metrics", po::value<std::string>()->value_name("PATH.csv"), "write one CSV row per epoch")
      ("summary", po::value<std::string>()->value_name("PATH.json"), "write a JSON summary at the end")
      ("trace", po::value<std::string>()->value_name("PATH.json"), "write Chrome trace events (Perfetto): a track per node, a slice per message")
      ("config", po::value<std::string>()->value_name("FILE"), "read options from a file (key = value lines); the command line wins")
      ("quiet,q", po::bool_switch(), "no progress on stderr")
      ("help,h", po::bool_switch(), "this help");
  po::options_description checkpoints("checkpoints (on SIGINT or SIGTERM a run stops where it would next save, saves, and exits 130 or 143)");
  checkpoints.add_options()
      ("checkpoint-dir", po::value<std::string>()->value_name("DIR"), "save the run in DIR/checkpoint.pepita after every epoch, replacing it atomically (DIR must not hold one yet)")
      ("checkpoint-every", po::value<std::int64_t>()->value_name("N"), "also save after every N training batches of an epoch; gpipe rounds N up to a multiple of --micro-batches (default 0: at epoch ends only)")
      ("resume", po::value<std::string>()->value_name("DIR"), "continue the run saved in DIR with the configuration saved there; only --metrics, --summary, --trace, --quiet, --checkpoint-every, --checkpoint-dir and --data-dir may go with it");
  po::options_description all;
  all.add(what).add(how).add(run).add(checkpoints);
  return all;
}

TrainRequest parse_train_options(const std::vector<std::string>& args) {
  const po::options_description description = train_options_description();
  po::variables_map vm = read_command_line(args, description);
  if (vm.count("resume")) {
    require_resume_compatible(vm);
    po::notify(vm);
    TrainRequest request;
    request.resume = vm["resume"].as<std::string>();
    request.help = vm["help"].as<bool>();
    request.quiet = vm["quiet"].as<bool>();
    request.checkpoint_every = checkpoint_every(vm);
    return request;
  }
  if (vm.count("config")) {
    const std::string path = vm["config"].as<std::string>();
    std::ifstream file(path);
    if (!file) throw UsageError("--config: cannot open '" + path + "'");
    po::store(po::parse_config_file(file, description), vm);
    if (vm.count("resume")) throw UsageError("--config: resume cannot be given in a configuration file");
  }
  po::notify(vm);
  return request_from(vm);
}

TrainRequest parse_resumed_options(const std::vector<std::string>& args, const std::string& config_text) {
  const po::options_description description = train_options_description();
  po::variables_map vm = read_command_line(args, description);
  require_resume_compatible(vm);
  // Stored after the command line, so the command line's output options win.
  std::istringstream text(config_text);
  po::store(po::parse_config_file(text, description), vm);
  po::notify(vm);
  return request_from(vm);
}

std::filesystem::path checkpoint_file(const std::filesystem::path& dir) { return dir / "checkpoint.pepita"; }

std::string config_text(const TrainConfig& c) {
  std::string text;
  const auto line = [&text](const char* key, const std::string& value) {
    // The config file reader cuts a line at '#' and trims its ends.
    const bool fits = value.find_first_of("#\r\n") == std::string::npos && !value.empty() &&
                      !std::isspace(static_cast<unsigned char>(value.front())) &&
                      !std::isspace(static_cast<unsigned char>(value.back()));
    if (!fits) throw std::invalid_argument(std::string("--") + key + ": '" + value + "' cannot be saved as a configuration line");
    text += std::string(key) + " = " + value + "\n";
  };
  line("dataset", c.dataset);
  line("data-dir", std::filesystem::absolute(c.data_dir).string());
  line("rule", c.rule);
  line("model", c.model);
  line("hidden", int_list(c.hidden));
  line("epochs", std::to_string(c.epochs));
  line("batch-size", std::to_string(c.batch_size));
  line("eval-batch-size", std::to_string(c.eval_batch_size));
  line("lr", exact(c.learning_rate));
  line("decay-epochs", int_list(c.decay_epochs));
  line("lr-decay", exact(c.decay_factor));
  line("momentum", exact(c.momentum));
  line("dropout", exact(c.dropout));
  line("seed", std::to_string(c.seed));
  line("f-scale", exact(c.pepita.f_scale));
  line("output-error", choice_name(c.pepita.output_error, output_errors));
  line("presynaptic", choice_name(c.pepita.presynaptic, presynaptic_choices));
  line("perturb", choice_name(c.pepita.perturbation, perturbations));
  line("perturb-scale", exact(c.pepita.perturbation_scale));
  line("conv-norm", choice_name(c.pepita.conv_normalisation, conv_normalisations));
  line("max-batches", std::to_string(c.max_batches));
  line("scheduler", c.scheduler.name);
  line("in-flight", std::to_string(c.scheduler.in_flight));
  line("weights", choice_name(c.scheduler.weights, weight_policies));
  line("micro-batches", std::to_string(c.scheduler.micro_batches));
  line("tokens", std::to_string(c.scheduler.tokens));
  line("threads", std::to_string(c.scheduler.threads));
  line("dnnl-threads", std::to_string(c.scheduler.dnnl_threads));
  return text;
}

}  // namespace pepita::cli
