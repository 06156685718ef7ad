#pragma once
// Whether a data set's files are under the data directory, without reading them: an experiment
// plans runs only for the data sets that are there and marks the others missing.
#include <filesystem>
#include <optional>
#include <string>

namespace pepita::cli::reproduce {

// Nothing when every file `pepita train --dataset name` reads is there; else the first one that is
// not, e.g. "cifar-10-batches-bin/data_batch_1.bin".
std::optional<std::string> missing_file(const std::string& dataset, const std::filesystem::path& data_dir);

// The classes of a known data set (mnist 10, cifar10 10, cifar100 100): chance is 100/classes %.
int class_count(const std::string& dataset);

}  // namespace pepita::cli::reproduce
