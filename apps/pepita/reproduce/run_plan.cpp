#include "run_plan.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "train/checkpoint.hpp"
#include "train/reports.hpp"
#include "train_options.hpp"

namespace pepita::cli::reproduce {

namespace {

// --quick: enough batches for every layer to learn something and every report to have numbers,
// few enough that `pepita reproduce all --quick` runs in CI.
constexpr int quick_epochs = 2;
constexpr int quick_train_batches = 20;
constexpr int quick_eval_batches = 2;

// Configuration lines that only say how fast a run goes, not what it computes: --jobs changes
// them, and a run made with 2 threads is still the run asked for with 1.
bool is_speed_setting(const std::string& line) {
  return line.rfind("threads =", 0) == 0 || line.rfind("dnnl-threads =", 0) == 0;
}

std::string without_speed_settings(const std::string& config) {
  std::istringstream lines(config);
  std::string kept;
  for (std::string line; std::getline(lines, line);)
    if (!is_speed_setting(line)) kept += line + "\n";
  return kept;
}

// FNV-1a, 64 bits: a stable name for a configuration (std::hash may differ between builds).
std::string fingerprint(const std::string& text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// `pepita train`'s arguments for a run (without its output options) and the configuration they
// make.
struct TrainConfiguration {
  std::vector<std::string> args;
  std::string config;
};

TrainConfiguration train_configuration(const RunSpec& spec, const ReproduceSettings& settings) {
  TrainConfiguration made;
  // A timed run runs alone (RunVariant::timed), so it gets every core unless --threads says.
  const int threads = spec.variant.timed ? settings.threads_per_timed_run : settings.threads_per_run;
  made.args = {"--rule", spec.rule, "--model", spec.model, "--dataset", spec.dataset,
               "--data-dir", settings.data_dir.string(), "--seed", std::to_string(spec.seed),
               "--threads", std::to_string(threads)};
  // The run-wide lengths, unless the variant sets its own (a timing run of a fixed batch count):
  // `pepita train` refuses an option given twice.
  const auto unless_the_variant_sets = [&](const std::string& option, const std::string& value) {
    const std::vector<std::string>& own = spec.variant.options;
    if (std::find(own.begin(), own.end(), option) == own.end()) made.args.insert(made.args.end(), {option, value});
  };
  unless_the_variant_sets("--epochs", std::to_string(settings.epochs_per_run()));
  made.args.insert(made.args.end(), spec.variant.options.begin(), spec.variant.options.end());
  if (settings.quick) {
    unless_the_variant_sets("--max-batches", std::to_string(quick_train_batches));
    unless_the_variant_sets("--max-eval-batches", std::to_string(quick_eval_batches));
  }
  made.config = without_speed_settings(config_text(parse_train_options(made.args).config));
  return made;
}

}  // namespace

std::string RunSpec::label() const {
  return rule + " " + model + " " + dataset + (variant.name.empty() ? "" : " " + variant.name) + " seed " +
         std::to_string(seed);
}

int ReproduceSettings::seeds_of_model(const std::string& model) const {
  return model == "conv" ? conv_seed_count.value_or(seeds) : seeds;
}

std::string ReproduceSettings::out_dir_from_collection() const {
  const std::filesystem::path from = std::filesystem::weakly_canonical(std::filesystem::absolute(collection_file)).parent_path();
  const std::filesystem::path way = std::filesystem::weakly_canonical(std::filesystem::absolute(out_dir)).lexically_relative(from);
  return way.empty() || way == "." ? "" : way.generic_string() + "/";
}

int ReproduceSettings::epochs_per_run() const {
  if (epochs > 0) return epochs;
  return quick ? quick_epochs : 100;
}

bool PlannedRun::complete() const {
  return std::filesystem::exists(summary()) || std::filesystem::exists(divergence_record());
}

std::optional<std::string> PlannedRun::divergence() const {
  if (!std::filesystem::exists(divergence_record())) return std::nullopt;
  std::string message = read_file(divergence_record());
  while (!message.empty() && message.back() == '\n') message.pop_back();
  return message;
}

std::filesystem::path PlannedRun::checkpoint() const { return checkpoint_file(checkpoint_dir()); }

bool PlannedRun::resumable() const { return std::filesystem::exists(checkpoint()); }

std::vector<std::string> PlannedRun::command() const {
  const std::vector<std::string> outputs = {"--metrics", metrics().string(), "--summary", summary().string(), "--quiet"};
  std::vector<std::string> args;
  if (resumable()) {
    args = {"train", "--resume", checkpoint_dir().string()};
  } else {
    args = train_args;
    args.insert(args.begin(), "train");
    args.insert(args.end(), {"--checkpoint-dir", checkpoint_dir().string()});
  }
  args.insert(args.end(), outputs.begin(), outputs.end());
  return args;
}

PlannedRun plan_run(const RunSpec& spec, const ReproduceSettings& settings) {
  const bool safe_name = std::all_of(spec.variant.name.begin(), spec.variant.name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
  });
  if (!safe_name) throw std::logic_error("the run variant '" + spec.variant.name + "' cannot name a directory");
  PlannedRun run{.spec = spec};
  TrainConfiguration made = train_configuration(spec, settings);
  run.train_args = std::move(made.args);
  run.config = std::move(made.config);
  // A variant whose options only restate the paper's settings (deep's 1 × 1024 at --preset paper)
  // is the paper's run: named as that run, it is trained once whichever experiment asks first.
  const bool paper_run =
      !spec.variant.name.empty() &&
      run.config == train_configuration({spec.rule, spec.model, spec.dataset, spec.seed}, settings).config;
  run.key = spec.rule + "-" + spec.model + "-" + spec.dataset +
            (spec.variant.name.empty() || paper_run ? "" : "-" + spec.variant.name) + "-seed" +
            std::to_string(spec.seed) + "-" + fingerprint(run.config);
  run.dir = settings.out_dir / "runs" / run.key;
  const std::filesystem::path saved = run.dir / "config.txt";
  if (std::filesystem::exists(saved) && read_file(saved) != run.config)
    throw std::runtime_error(saved.string() + " holds another configuration under the same key; remove " +
                             run.dir.string());
  return run;
}

}  // namespace pepita::cli::reproduce
