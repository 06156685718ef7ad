#pragma once
// Writes an experiment's report as DIR/NAME.md, NAME.csv, NAME.svg and NAME.png, each file
// replaced atomically. The markdown starts with the command that made it and the machine. When
// one invocation reports several experiments (`all`), one document gathers them: DIR/reproduction.md,
// or the --collection file, whose links reach into DIR (docs/reproduction.md is `all`'s, with
// docs/reproduction/ as DIR).
#include <filesystem>
#include <string>
#include <vector>

#include "experiment.hpp"

namespace pepita::cli::reproduce {

struct WrittenReport {
  std::vector<std::filesystem::path> files;
  // The report as a section of the collection: its name, title, runs and body with figures.
  std::string name;
  std::string title;
  std::string section;
};

// "Made by `COMMAND` on MACHINE, pepita VERSION, DATE.": the line that heads every report of one
// invocation. Composed once per invocation and handed to each report: describe_machine() probes
// the machine, and the reports of one collection must all name the same machine and date.
std::string made_by_line(const ReproduceSettings& settings);

WrittenReport write_report(const std::string& name, const ExperimentReport& report, const ReproduceSettings& settings,
                           const std::string& made_by, std::size_t runs);

// The collection (settings.collection_file): the reports in the order given, under the command that
// made them, the machine and a table of contents. Returns the file.
std::filesystem::path write_collection(const std::vector<WrittenReport>& reports, const ReproduceSettings& settings,
                                       const std::string& made_by, std::size_t runs);

}  // namespace pepita::cli::reproduce
