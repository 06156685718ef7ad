#include "train_options.hpp"

#include <boost/program_options.hpp>
#include <charconv>
#include <fstream>

#include "cli.hpp"
#include "data/data_dir.hpp"

namespace po = boost::program_options;

namespace pepita::cli {

namespace {

template <class Enum>
Enum parse_choice(const std::string& text, const std::string& option,
                  std::initializer_list<std::pair<const char*, Enum>> choices) {
  std::string names;
  for (const auto& [name, value] : choices) {
    if (text == name) return value;
    names += (names.empty() ? "" : ", ") + std::string(name);
  }
  throw UsageError("--" + option + ": '" + text + "' is not one of: " + names);
}

// Copies an option into `target` only when the user gave it, so paper defaults survive otherwise.
template <class T>
void take(const po::variables_map& vm, const char* name, T& target) {
  if (vm.count(name)) target = vm[name].as<T>();
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
      ("model", po::value<std::string>()->value_name("MODEL"), "model: fc (default fc)")
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
  po::options_description all;
  all.add(what).add(how).add(run);
  return all;
}

TrainRequest parse_train_options(const std::vector<std::string>& args) {
  const po::options_description description = train_options_description();
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(description).run(), vm);
  if (vm.count("config")) {
    const std::string path = vm["config"].as<std::string>();
    std::ifstream file(path);
    if (!file) throw UsageError("--config: cannot open '" + path + "'");
    po::store(po::parse_config_file(file, description), vm);
  }
  po::notify(vm);

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
    c.pepita.output_error = parse_choice<OutputError>(vm["output-error"].as<std::string>(), "output-error",
                                         {{"standard", OutputError::standard}, {"modulated", OutputError::modulated}});
  if (vm.count("presynaptic"))
    c.pepita.presynaptic = parse_choice<Presynaptic>(vm["presynaptic"].as<std::string>(), "presynaptic",
                                        {{"modulated", Presynaptic::modulated}, {"standard", Presynaptic::standard}});
  if (vm.count("perturb"))
    c.pepita.perturbation = parse_choice<Perturbation>(vm["perturb"].as<std::string>(), "perturb",
                                                      {{"error", Perturbation::error}, {"random", Perturbation::random}});
  if (vm.count("perturb-scale")) c.pepita.perturbation_scale = float(vm["perturb-scale"].as<double>());
  take(vm, "scheduler", c.scheduler.name);
  take(vm, "in-flight", c.scheduler.in_flight);
  take(vm, "micro-batches", c.scheduler.micro_batches);
  take(vm, "tokens", c.scheduler.tokens);
  if (vm.count("weights"))
    c.scheduler.weights = parse_choice<WeightPolicy>(vm["weights"].as<std::string>(), "weights",
                                                     {{"latest", WeightPolicy::latest}, {"stash", WeightPolicy::stash}});
  take(vm, "threads", c.scheduler.threads);
  take(vm, "dnnl-threads", c.scheduler.dnnl_threads);
  if (vm.count("metrics")) request.metrics_csv = vm["metrics"].as<std::string>();
  if (vm.count("summary")) request.summary_json = vm["summary"].as<std::string>();
  if (vm.count("trace")) request.trace_json = vm["trace"].as<std::string>();
  if (!request.help) validate(c);
  return request;
}

}  // namespace pepita::cli
