#include "schedulers/scheduler_registry.hpp"

#include <sstream>
#include <stdexcept>

#include "graph/named_registry.hpp"
#include "schedulers/builtin_schedulers.hpp"
#include "schedulers/scheduler_options.hpp"

namespace pepita {

std::string_view name_of(const SchedulerEntry& entry) { return entry.name; }

namespace {

// Built on first use, so registrations from other translation units' static objects find it.
NamedRegistry<SchedulerEntry>& scheduler_registry() {
  static NamedRegistry<SchedulerEntry> schedulers(
      "scheduler", {sequential_scheduler(), pipelined_scheduler(), gpipe_scheduler(), async_scheduler(), zero_bubble_scheduler()});
  return schedulers;
}

}  // namespace

const std::vector<SchedulerEntry>& registered_schedulers() { return scheduler_registry().entries(); }

std::string scheduler_names() { return scheduler_registry().names(); }

const SchedulerEntry& find_scheduler(const std::string& name) {
  if (const SchedulerEntry* entry = scheduler_registry().find(name)) return *entry;
  throw std::invalid_argument("unknown scheduler '" + name + "' (choose from: " + scheduler_names() + ")");
}

std::unique_ptr<Scheduler> make_scheduler(const SchedulerSettings& settings) {
  const SchedulerEntry& entry = find_scheduler(settings.name);
  // Settings made in code or read from a file skip the command line's checks: read each option
  // back from its text, and hold every option the scheduler does not read to its default.
  for (const std::string& flag : entry.options) {
    SchedulerSettings checked = settings;
    scheduler_option(flag).read(scheduler_option(flag).write(settings), checked);
  }
  const SchedulerSettings defaults;
  for (const SchedulerOption& option : scheduler_options())
    if (!entry.reads(option.flag) && option.write(settings) != option.write(defaults))
      throw std::invalid_argument(unread_option_problem(entry, option.flag));
  return entry.make(settings);
}

std::string unread_option_problem(const SchedulerEntry& entry, std::string_view flag) {
  std::string its;
  for (const std::string& knob : entry.options) its += (its.empty() ? "--" : ", --") + knob;
  return "--" + std::string(flag) + ": the " + entry.name + " scheduler does not read it (its options: " +
         (its.empty() ? "none" : its) + ")";
}

std::string scheduler_label(const SchedulerSettings& settings) {
  std::string label = settings.name;
  for (const std::string& flag : find_scheduler(settings.name).options)
    label += ":" + scheduler_option(flag).write(settings);
  return label;
}

SchedulerSettings parse_scheduler_label(const std::string& label) {
  std::vector<std::string> parts;
  std::stringstream stream(label);
  for (std::string part; std::getline(stream, part, ':');) parts.push_back(part);
  SchedulerSettings settings;
  settings.name = parts.empty() ? std::string() : parts.front();
  const SchedulerEntry& entry = find_scheduler(settings.name);
  if (parts.size() > entry.options.size() + 1) {
    std::string form = entry.name;
    for (const std::string& flag : entry.options) form += ":" + std::string(scheduler_option(flag).value_name);
    throw std::invalid_argument("'" + label + "' has more values than " + form);
  }
  for (std::size_t i = 1; i < parts.size(); ++i) scheduler_option(entry.options[i - 1]).read(parts[i], settings);
  return settings;
}

SchedulerRegistration::SchedulerRegistration(SchedulerEntry entry) {
  for (const std::string& flag : entry.options) scheduler_option(flag);  // each must exist
  scheduler_registry().add(std::move(entry));
}

}  // namespace pepita
