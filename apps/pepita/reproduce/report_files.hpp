#pragma once
// Writes an experiment's report as DIR/NAME.md, NAME.csv, NAME.svg and NAME.png, each file
// replaced atomically. The markdown starts with the command that made it and the machine.
#include <filesystem>
#include <string>

#include "experiment.hpp"

namespace pepita::cli::reproduce {

// Returns the files written.
std::vector<std::filesystem::path> write_report(const std::string& name, const ExperimentReport& report,
                                                const ReproduceSettings& settings, std::size_t runs);

}  // namespace pepita::cli::reproduce
