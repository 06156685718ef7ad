#pragma once
// The schedulers by name, each a registry entry: its name, a one-line summary, the options it
// reads (schedulers/scheduler_options.hpp, in the order its label lists them) and its factory.
// The trainer, `pepita compare` and --help read this registry and never a scheduler's name.
// Built-in entries are listed in scheduler_registry.cpp; others register at start-up:
//
//   const SchedulerRegistration mine{{"mine", "what it does", {"in-flight"}, make_mine}};
#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "schedulers/scheduler.hpp"

namespace pepita {

struct SchedulerEntry {
  std::string name;
  std::string summary;
  std::vector<std::string> options;
  // Whether `flag` (without its dashes) is one of `options`.
  bool reads(std::string_view flag) const { return std::ranges::find(options, flag) != options.end(); }
  // Throws std::invalid_argument for settings it cannot run.
  std::function<std::unique_ptr<Scheduler>(const SchedulerSettings&)> make;
};

// Every registered entry, built-ins first, in registration order.
const std::vector<SchedulerEntry>& registered_schedulers();
// The entry of that name; throws std::invalid_argument listing the known names.
const SchedulerEntry& find_scheduler(const std::string& name);
// Throws std::invalid_argument for an unknown name, a value out of range, or an option the scheduler
// does not read that is not at its default (it would be dropped in silence).
std::unique_ptr<Scheduler> make_scheduler(const SchedulerSettings& settings);
// The one-line refusal of an option that `entry` does not read:
// "--weights: the async scheduler does not read it (its options: --tokens)".
std::string unread_option_problem(const SchedulerEntry& entry, std::string_view flag);
// "sequential, pipelined, gpipe, async", for help texts and errors.
std::string scheduler_names();

// A scheduler with its options as one word: "pipelined:4:stash", "gpipe:4", "sequential".
std::string scheduler_label(const SchedulerSettings& settings);
// The settings a label names; missing values keep their defaults. Throws std::invalid_argument.
SchedulerSettings parse_scheduler_label(const std::string& label);

// Adds an entry for the life of the program; throws std::logic_error if its name is taken.
struct SchedulerRegistration {
  explicit SchedulerRegistration(SchedulerEntry entry);
};

}  // namespace pepita
