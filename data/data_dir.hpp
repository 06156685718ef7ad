#pragma once
#include <filesystem>
#include <optional>
#include <string>

namespace pepita {

// The data directory: the --data-dir flag if given, else $PEPITA_DATA_DIR if set and non-empty,
// else ./data. Layout under it: mnist/, cifar-10-batches-bin/, cifar-100-binary/.
std::filesystem::path resolve_data_dir(const std::optional<std::string>& flag);

}  // namespace pepita
