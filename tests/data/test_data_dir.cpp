#include "data/data_dir.hpp"
#include "tests/data/data_files.hpp"

namespace pepita {
namespace {

using test::ScopedEnv;

TEST_CASE("the --data-dir flag beats PEPITA_DATA_DIR") {
  const ScopedEnv env("PEPITA_DATA_DIR", "/from/env");
  CHECK(resolve_data_dir("/from/flag") == "/from/flag");
}

TEST_CASE("PEPITA_DATA_DIR beats the default ./data") {
  const ScopedEnv env("PEPITA_DATA_DIR", "/from/env");
  CHECK(resolve_data_dir(std::nullopt) == "/from/env");
}

TEST_CASE("without flag or environment the data directory is ./data") {
  const ScopedEnv env("PEPITA_DATA_DIR", std::nullopt);
  CHECK(resolve_data_dir(std::nullopt) == "data");
}

TEST_CASE("an empty PEPITA_DATA_DIR counts as unset") {
  const ScopedEnv env("PEPITA_DATA_DIR", "");
  CHECK(resolve_data_dir(std::nullopt) == "data");
}

TEST_CASE("ScopedEnv restores the variable it changed") {
  const ScopedEnv outer("PEPITA_DATA_DIR", "/outer");
  {
    const ScopedEnv inner("PEPITA_DATA_DIR", std::nullopt);
    CHECK(std::getenv("PEPITA_DATA_DIR") == nullptr);
  }
  CHECK(std::string(std::getenv("PEPITA_DATA_DIR")) == "/outer");
}

}  // namespace
}  // namespace pepita
