#pragma once
// `pepita train`'s options. Precedence: command line, then --config file, then the paper's
// defaults for the chosen data set, model and rule.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

#include "train/config.hpp"

namespace pepita::cli {

struct TrainRequest {
  TrainConfig config;
  std::optional<std::filesystem::path> metrics_csv;
  std::optional<std::filesystem::path> summary_json;
  std::optional<std::filesystem::path> trace_json;
  std::optional<std::filesystem::path> checkpoint_dir;  // --checkpoint-dir, else the --resume directory
  std::int64_t checkpoint_every = 0;  // training batches between checkpoints within an epoch; 0: none
  std::optional<std::filesystem::path> resume;          // --resume DIR
  bool quiet = false;
  bool check_weights = false;  // --check-weights: compare each learning pass's W with its standard pass's
  bool help = false;
};

boost::program_options::options_description train_options_description();

// A command that reads a training configuration without training it (pepita schedule, pepita
// calibrate): pepita train's options beside its own.
struct ConfigurationCommand {
  std::string name;         // "schedule": pepita schedule
  std::string description;  // for --help, after the usage line
  boost::program_options::options_description own;
  // For --help: the train options that shape what the command does (the scheduler options,
  // --config and --help always), with train's own descriptions, under `caption`; train's others
  // are accepted and change nothing.
  std::vector<std::string> shaping;
  std::string caption;
};

// The command's `own` options into `vm`, everything else through train's parser, whose request
// it returns; or, for --help, prints the usage, the command's options and the shaping ones to
// `out` and returns nothing. Throws as parse_train_options, and UsageError for --resume: such a
// command takes the run's options, not a checkpoint.
std::optional<TrainRequest> parse_configuration_command(const std::vector<std::string>& args,
                                                        const ConfigurationCommand& command,
                                                        boost::program_options::variables_map& vm, std::ostream& out);

// Throws UsageError, boost::program_options::error or std::invalid_argument on bad arguments.
// With --resume it only checks that the other arguments may go with it and reads those: the
// configuration is in the checkpoint (parse_resumed_options).
TrainRequest parse_train_options(const std::vector<std::string>& args);

// `pepita train --resume DIR …`: the checkpoint's configuration text, read as a --config file
// is, under the command line's output options. Throws as parse_train_options.
TrainRequest parse_resumed_options(const std::vector<std::string>& args, const std::string& config_text);

// The configuration as the "key = value" lines that --config reads, numbers in a form that reads
// back exactly, the data directory absolute. Throws std::invalid_argument for a path or name that
// such a line cannot hold ('#' starts a comment there).
std::string config_text(const TrainConfig& config);

// "1024,1024" → {1024, 1024}; "none" or "" → {}.
std::vector<int> parse_int_list(const std::string& text, const std::string& option);

}  // namespace pepita::cli
