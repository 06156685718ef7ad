#pragma once
// What every `pepita` subcommand but train does with its arguments: its options plus --help, and at
// most one positional argument, parsed in one place so that --help and mistakes read alike.
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

namespace pepita::cli {

// Parses `args` against `options`, to which it adds --help. With --help it prints `about`, a blank
// line and the options to `out`, and returns nothing: the command is done. `positional`, if given,
// names the one argument that may stand without an option name (it is not shown as an option).
// Throws boost::program_options::error for a mistake.
std::optional<boost::program_options::variables_map> parse_command(const std::vector<std::string>& args,
                                                                   boost::program_options::options_description options,
                                                                   const std::string& about, std::ostream& out,
                                                                   const char* positional = nullptr);

// --dataset NAME (default mnist) and --data-dir DIR, as every command that loads a data set takes them.
void add_dataset_options(boost::program_options::options_description& options);
struct DatasetChoice {
  std::string name;
  std::filesystem::path dir;
};
// What those options chose; throws UsageError for an unknown data set.
DatasetChoice dataset_choice(const boost::program_options::variables_map& vm);

}  // namespace pepita::cli
