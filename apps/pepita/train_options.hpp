#pragma once
// `pepita train`'s options. Precedence: command line, then --config file, then the paper's
// defaults for the chosen data set, model and rule.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options/options_description.hpp>

#include "train/config.hpp"

namespace pepita::cli {

struct TrainRequest {
  TrainConfig config;
  std::optional<std::filesystem::path> metrics_csv;
  std::optional<std::filesystem::path> summary_json;
  std::optional<std::filesystem::path> trace_json;
  bool quiet = false;
  bool help = false;
};

boost::program_options::options_description train_options_description();

// Throws UsageError, boost::program_options::error or std::invalid_argument on bad arguments.
TrainRequest parse_train_options(const std::vector<std::string>& args);

// "1024,1024" → {1024, 1024}; "none" or "" → {}.
std::vector<int> parse_int_list(const std::string& text, const std::string& option);

}  // namespace pepita::cli
