#pragma once
// The knobs of SchedulerSettings as options: each once, with its flag, help, reading and writing,
// for `pepita train`'s options and config files, `pepita compare`'s labels and the registry's help.
#include <string>
#include <string_view>
#include <vector>

#include "schedulers/scheduler_settings.hpp"

namespace pepita {

struct SchedulerOption {
  std::string_view flag;        // "in-flight": --in-flight on the command line, a config file's key
  std::string_view value_name;  // "K"
  std::string_view help;        // what it means, without the schedulers that read it
  // Reads the option's text into the settings; throws std::invalid_argument naming the flag.
  void (*read)(std::string_view text, SchedulerSettings& settings);
  std::string (*write)(const SchedulerSettings& settings);
};

const std::vector<SchedulerOption>& scheduler_options();
// Throws std::logic_error for a flag no option has: a registry entry's mistake.
const SchedulerOption& scheduler_option(std::string_view flag);

}  // namespace pepita
