#pragma once
// The `pepita` command line: subcommands, their help, and the rule that every mistake in the
// arguments is one line on stderr and exit status 2.
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace pepita::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;  // the run itself failed: bad data, divergence, I/O
inline constexpr int exit_usage = 2;    // the arguments were wrong

// A mistake in the arguments; main prints it as one line and exits with exit_usage.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Runs `pepita <args…>` and returns the exit status; output goes to out, messages to err.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

int info_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int train_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int fetch_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int inspect_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int compare_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int schedule_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int calibrate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int reproduce_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace pepita::cli
