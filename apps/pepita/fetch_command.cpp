#include <sys/wait.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <filesystem>

#include "cli.hpp"
#include "command_line.hpp"
#include "data/data_dir.hpp"

namespace po = boost::program_options;

namespace pepita::cli {

// Downloading and verifying is scripts/fetch-data.sh's job (curl, sha256sum, tar); this command
// finds the script in the source tree it was built from and hands over.
int fetch_command(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  po::options_description description("pepita fetch [options] DATASET");
  description.add_options()
      ("data-dir", po::value<std::string>()->value_name("DIR"), "data directory (default $PEPITA_DATA_DIR, else ./data)");
  const auto parsed = parse_command(
      args, description, "Downloads a data set (mnist, cifar10, cifar100, all) from its official source and verifies it.",
      out, "dataset");
  if (!parsed) return exit_ok;
  const po::variables_map& vm = *parsed;
  if (!vm.count("dataset")) throw UsageError("fetch: name a data set (mnist, cifar10, cifar100, all)");
  std::optional<std::string> flag;
  if (vm.count("data-dir")) flag = vm["data-dir"].as<std::string>();
  const std::string script = std::string(PEPITA_SOURCE_DIR) + "/scripts/fetch-data.sh";
  if (!std::filesystem::exists(script)) throw std::runtime_error(script + ": not found (run scripts/fetch-data.sh from a checkout)");
  const std::string data_dir = resolve_data_dir(flag).string();
  const std::string dataset = vm["dataset"].as<std::string>();
  out.flush();
  const pid_t child = ::fork();
  if (child == 0) {
    ::execlp("bash", "bash", script.c_str(), "--data-dir", data_dir.c_str(), dataset.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  if (child < 0 || ::waitpid(child, &status, 0) < 0) throw std::runtime_error("fetch: cannot start " + script);
  return WIFEXITED(status) ? WEXITSTATUS(status) : exit_failure;
}

}  // namespace pepita::cli
