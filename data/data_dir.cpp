#include "data/data_dir.hpp"

#include <cstdlib>

namespace pepita {

std::filesystem::path resolve_data_dir(const std::optional<std::string>& flag) {
  if (flag) return *flag;
  // An empty value is treated as unset, as shells make `PEPITA_DATA_DIR= cmd` easy to write.
  if (const char* env = std::getenv("PEPITA_DATA_DIR"); env && *env) return env;
  return "data";
}

}  // namespace pepita
