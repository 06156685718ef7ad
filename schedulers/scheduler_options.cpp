#include "schedulers/scheduler_options.hpp"

#include <charconv>
#include <stdexcept>

namespace pepita {

namespace {

// A count of at least 1, or an error naming the option.
int read_count(std::string_view flag, std::string_view text) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty())
    throw std::invalid_argument("--" + std::string(flag) + ": '" + std::string(text) + "' is not an integer");
  if (value < 1) throw std::invalid_argument("--" + std::string(flag) + " must be at least 1");
  return value;
}

WeightPolicy read_weights(std::string_view text) {
  if (text == "latest") return WeightPolicy::latest;
  if (text == "stash") return WeightPolicy::stash;
  throw std::invalid_argument("--weights: '" + std::string(text) + "' is not one of: latest, stash");
}

StashForm read_stash_form(std::string_view text) {
  if (text == "auto") return StashForm::automatic;
  if (text == "copy") return StashForm::copy;
  if (text == "updates") return StashForm::updates;
  throw std::invalid_argument("--stash-form: '" + std::string(text) + "' is not one of: auto, copy, updates");
}

std::string stash_form_name(StashForm form) {
  switch (form) {
    case StashForm::automatic: return "auto";
    case StashForm::copy: return "copy";
    case StashForm::updates: return "updates";
  }
  return "";
}

// timing; fixed (K − 1 at every layer); or the lags themselves, one for every layer or one per
// learning layer ("3,2,1,0"), which fix the order too. No ':' in any of them: scheduler labels
// (`pepita compare`'s "pipelined:4:stash:auto:3,2,1,0") separate their values with it.
Staleness read_staleness(std::string_view text) {
  if (text == "timing") return {};
  Staleness staleness{.fixed = true, .lags = {}};
  if (text == "fixed") return staleness;
  const std::string whole(text);
  for (;;) {
    const std::string_view item = text.substr(0, text.find(','));
    int lag = -1;
    const auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), lag);
    if (item.empty() || error != std::errc() || end != item.data() + item.size() || lag < 0)
      throw std::invalid_argument("--staleness: '" + whole + "' is not one of: timing, fixed, LAG, LAG,LAG,… (lags are integers >= 0)");
    staleness.lags.push_back(lag);
    if (item.size() == text.size()) return staleness;
    text.remove_prefix(item.size() + 1);
  }
}

// Built on first use: registrations from other translation units' static objects read it.
const std::vector<SchedulerOption>& catalogue() {
  static const std::vector<SchedulerOption> options = {
    {"in-flight", "K", "batches in flight (default 4)",
     [](std::string_view text, SchedulerSettings& s) { s.in_flight = read_count("in-flight", text); },
     [](const SchedulerSettings& s) { return std::to_string(s.in_flight); }},
    {"weights", "POLICY", "latest (default) or stash (each batch learns against the weights its standard pass used)",
     [](std::string_view text, SchedulerSettings& s) { s.weights = read_weights(text); },
     [](const SchedulerSettings& s) { return std::string(s.weights == WeightPolicy::stash ? "stash" : "latest"); }},
    {"stash-form", "FORM",
     "how a dense layer holds a stash: copy (W_l), updates (the SGD steps since, as factors: needs "
     "--momentum 0 and --weight-decay 0), or auto (default: updates where allowed and smaller than a copy)",
     [](std::string_view text, SchedulerSettings& s) { s.stash_form = read_stash_form(text); },
     [](const SchedulerSettings& s) { return stash_form_name(s.stash_form); }},
    {"staleness", "HOW",
     "timing (default: each update sees however many of the other batches' updates happen to land "
     "first, at most K - 1) or fixed (exactly K - 1 at every layer, in an order of visits fixed in "
     "advance: the run's numbers are the same on any threads, ranks or machine; a stop request then "
     "takes effect at the next checkpoint or the epoch's end), or the lags of that order: D, exactly D "
     "<= K - 1 at every layer, or D1,D2,... one per learning layer, first to last, none above the one "
     "before (1F1B's own under BP: 3,2,1,0 for 4 layers at K = 4; docs/schedulers.md)",
     [](std::string_view text, SchedulerSettings& s) { s.staleness = read_staleness(text); },
     [](const SchedulerSettings& s) { return to_string(s.staleness); }},
    {"micro-batches", "M", "micro-batches of --batch-size per update (default 4)",
     [](std::string_view text, SchedulerSettings& s) { s.micro_batches = read_count("micro-batches", text); },
     [](const SchedulerSettings& s) { return std::to_string(s.micro_batches); }},
    {"tokens", "K", "batches in flight (default 4)",
     [](std::string_view text, SchedulerSettings& s) { s.tokens = read_count("tokens", text); },
     [](const SchedulerSettings& s) { return std::to_string(s.tokens); }},
  };
  return options;
}

}  // namespace

const std::vector<SchedulerOption>& scheduler_options() { return catalogue(); }

const SchedulerOption& scheduler_option(std::string_view flag) {
  for (const SchedulerOption& option : catalogue())
    if (option.flag == flag) return option;
  throw std::logic_error("no scheduler option --" + std::string(flag));
}

}  // namespace pepita
