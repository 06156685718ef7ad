#pragma once
// `pepita train`'s options as one table: each option once, with what --help says of it, how its
// value is read into the request and, for the options that make up the configuration, how that
// value is written back as the "key = value" line that --config and --resume read.
#include <functional>
#include <string>
#include <vector>

#include <boost/program_options/value_semantic.hpp>
#include <boost/program_options/variables_map.hpp>

#include "train/config.hpp"
#include "train_options.hpp"

namespace pepita::cli {

// The sections of --help, in the order it shows them.
enum class TrainOptionGroup { what, how, running, simulation, checkpoints };
inline constexpr TrainOptionGroup train_option_groups[] = {TrainOptionGroup::what, TrainOptionGroup::how, TrainOptionGroup::running,
                                                           TrainOptionGroup::simulation, TrainOptionGroup::checkpoints};

std::string title(TrainOptionGroup group);

// How an option's value is parsed and where it goes.
struct OptionBinding {
  // A new semantic for boost to parse the value with (an options_description owns what it is given).
  std::function<boost::program_options::value_semantic*(const std::string& value_name)> value;
  // Puts a given value into the request; empty for --config, whose file is read before the rest.
  // Throws UsageError or std::invalid_argument naming the option for a value it cannot take.
  std::function<void(const boost::program_options::variable_value& given, const std::string& key,
                     TrainRequest& request)>
      read = nullptr;
  // The text `read` turns back into the same TrainConfig; empty for the options outside it (outputs,
  // checkpoints, --config, --help), which a saved configuration does not hold.
  std::function<std::string(const TrainConfig& config)> write = nullptr;
};

struct TrainOption {
  std::string name;        // "lr" for --lr, also a configuration line's key; "quiet,q" adds -q
  std::string value_name;  // "RATE"; empty for a switch
  std::string help;
  TrainOptionGroup group;
  OptionBinding binding;

  // The long name: the key of the variables map and of a configuration line.
  std::string key() const { return name.substr(0, name.find(',')); }
  bool is_configuration() const { return bool(binding.write); }
};

// Every option in --help's order. Built on each call, as its help texts list the rules and
// schedulers registered at the time.
std::vector<TrainOption> train_option_table();

}  // namespace pepita::cli
