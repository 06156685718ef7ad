#include "train_options.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <cctype>
#include <charconv>
#include <fstream>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "cli.hpp"
#include "schedulers/scheduler_options.hpp"
#include "schedulers/scheduler_registry.hpp"
#include "data/data_dir.hpp"
#include "data/dataset.hpp"
#include "train_option_table.hpp"

namespace po = boost::program_options;

namespace pepita::cli {

namespace {

// What may go with --resume: where the outputs go, what is measured, how often to save, and where
// the data is now.
// Every other option defines the training, which continues as it was saved.
constexpr std::string_view resume_options[] = {"resume",  "help",           "quiet",            "metrics",
                                               "summary", "trace",          "checkpoint-dir",   "checkpoint-every",
                                               "data-dir", "check-weights"};

// The preset's defaults depend on these, so they are read before the options that override the defaults.
constexpr std::string_view default_choosing_options[] = {"preset", "dataset", "model", "rule"};

bool is_listed(std::string_view key, std::span<const std::string_view> list) {
  return std::find(list.begin(), list.end(), key) != list.end();
}

// Reads an option into the request only when it was given, so that defaults survive otherwise.
void read_if_given(const TrainOption& option, const po::variables_map& vm, TrainRequest& request) {
  const std::string key = option.key();
  if (option.binding.read && vm.count(key)) option.binding.read(vm[key], key, request);
}

po::variables_map read_command_line(const std::vector<std::string>& args, const po::options_description& description) {
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(description).run(), vm);
  return vm;
}

void require_resume_compatible(const po::variables_map& vm) {
  for (const auto& [name, value] : vm) {
    if (value.defaulted() || is_listed(name, resume_options)) continue;
    throw UsageError("--" + name + " cannot be given with --resume: the run continues with the configuration in its checkpoint");
  }
}

// A run resumed in place keeps saving where it was saved, unless --checkpoint-dir moves it.
void settle_checkpointing(TrainRequest& request) {
  if (request.checkpoint_every < 0) throw UsageError("--checkpoint-every must be >= 0");
  if (!request.checkpoint_dir) request.checkpoint_dir = request.resume;
  if (request.checkpoint_every > 0 && !request.checkpoint_dir)
    throw UsageError("--checkpoint-every needs --checkpoint-dir (or --resume)");
}

// The request the stored options make: the command line's, then any configuration text's, then
// the preset's defaults.
TrainRequest request_from(const po::variables_map& vm) {
  const std::vector<TrainOption> table = train_option_table();
  TrainRequest request;
  TrainConfig& c = request.config;
  for (const TrainOption& option : table)
    if (is_listed(option.key(), default_choosing_options)) read_if_given(option, vm, request);
  if (!is_known_dataset(c.dataset)) throw UsageError("--dataset: unknown data set '" + c.dataset + "' (mnist, mnist-hard, cifar10, cifar100, idx:DIR)");
  c = preset_defaults(c.preset, c.dataset, c.model, c.rule);
  c.data_dir = resolve_data_dir(std::nullopt);  // the environment's, unless --data-dir names one below
  for (const TrainOption& option : table)
    if (!is_listed(option.key(), default_choosing_options)) read_if_given(option, vm, request);
  settle_checkpointing(request);
  if (!request.help) validate(c);
  return request;
}

// The scheduler knobs the command line sets: a knob is refused when the chosen scheduler does not
// read it, as a user who writes `--scheduler async --weights stash` expects a stash and would get
// none. The command line refuses such a flag even at its default value. Elsewhere (a configuration
// file, which lists every knob at the value the run had) make_scheduler holds the knobs a scheduler
// does not read to their defaults, which is all that a file can be checked by.
std::vector<std::string> scheduler_knobs_given(const po::variables_map& command_line) {
  std::vector<std::string> given;
  for (const SchedulerOption& option : scheduler_options()) {
    const std::string flag(option.flag);
    if (command_line.count(flag) && !command_line[flag].defaulted()) given.push_back(flag);
  }
  return given;
}

void refuse_unread_knobs(const std::vector<std::string>& given, const SchedulerSettings& scheduler) {
  const SchedulerEntry& entry = find_scheduler(scheduler.name);
  for (const std::string& flag : given)
    if (!entry.reads(flag)) throw UsageError(unread_option_problem(entry, flag));
  // Pipelined's stash knobs shape a stash, which only --weights stash keeps.
  if (scheduler.weights == WeightPolicy::latest && std::find(given.begin(), given.end(), "stash-form") != given.end())
    throw UsageError("--stash-form: only --weights stash keeps a stash (the weights are latest)");
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
  const std::vector<TrainOption> table = train_option_table();
  po::options_description all;
  for (const TrainOptionGroup group : train_option_groups) {
    po::options_description section(title(group));
    for (const TrainOption& option : table)
      if (option.group == group)
        section.add_options()(option.name.c_str(), option.binding.value(option.value_name), option.help.c_str());
    all.add(section);
  }
  return all;
}

TrainRequest parse_train_options(const std::vector<std::string>& args) {
  const po::options_description description = train_options_description();
  po::variables_map vm = read_command_line(args, description);
  const std::vector<std::string> knobs_given = scheduler_knobs_given(vm);
  if (vm.count("resume")) {
    require_resume_compatible(vm);
    po::notify(vm);
    TrainRequest request;
    for (const TrainOption& option : train_option_table()) read_if_given(option, vm, request);
    settle_checkpointing(request);
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
  TrainRequest request = request_from(vm);
  if (!request.help) refuse_unread_knobs(knobs_given, request.config.scheduler);
  return request;
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


std::string config_text(const TrainConfig& config) {
  std::string text;
  for (const TrainOption& option : train_option_table()) {
    if (!option.is_configuration()) continue;
    const std::string key = option.key();
    const std::string value = option.binding.write(config);
    if (value.empty()) continue;  // an option left empty (--profile without a measured cost): its default
    // The config file reader cuts a line at '#' and trims its ends.
    const bool fits = value.find_first_of("#\r\n") == std::string::npos &&
                      !std::isspace(static_cast<unsigned char>(value.front())) &&
                      !std::isspace(static_cast<unsigned char>(value.back()));
    if (!fits) throw std::invalid_argument("--" + key + ": '" + value + "' cannot be saved as a configuration line");
    text += key + " = " + value + "\n";
  }
  return text;
}

namespace {

po::options_description train_options_subset(std::vector<std::string> names, const std::string& caption) {
  for (const SchedulerOption& option : scheduler_options()) names.emplace_back(option.flag);
  names.insert(names.end(), {"config", "help"});
  po::options_description subset(caption + " (pepita train's options; its others are accepted and change nothing)");
  const po::options_description train = train_options_description();
  for (const auto& option : train.options())
    if (std::find(names.begin(), names.end(), option->long_name()) != names.end()) subset.add(option);
  return subset;
}

}  // namespace

std::optional<TrainRequest> parse_configuration_command(const std::vector<std::string>& args,
                                                        const ConfigurationCommand& command, po::variables_map& vm,
                                                        std::ostream& out) {
  const po::parsed_options parsed = po::command_line_parser(args).options(command.own).allow_unregistered().run();
  po::store(parsed, vm);
  po::notify(vm);
  TrainRequest request = parse_train_options(po::collect_unrecognized(parsed.options, po::include_positional));
  if (request.help) {
    out << "usage: pepita " << command.name << " [options]\n\n"
        << command.description << "\n\n"
        << command.own << '\n'
        << train_options_subset(command.shaping, command.caption);
    return std::nullopt;
  }
  if (request.resume)
    throw UsageError("--resume cannot be given to pepita " + command.name + ": give the run's options instead");
  return request;
}

}  // namespace pepita::cli
