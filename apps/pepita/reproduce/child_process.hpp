#pragma once
// A program started as a child of this one, and a pool that keeps at most J of them running.
// `pepita reproduce` runs its training runs this way, and gnuplot for its figures.
#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pepita::cli::reproduce {

// A running child. Its stdin is /dev/null; its stdout and stderr are appended to `log`. If it is
// still running when its owner goes (an exception, say), the destructor stops it with SIGTERM and
// waits for it, so no child outlives the command that started it.
class ChildProcess {
 public:
  // Throws std::runtime_error naming the program if it cannot be started.
  ChildProcess(const std::filesystem::path& program, const std::vector<std::string>& args,
               const std::filesystem::path& log);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The exit status once it has ended (128 + the signal for a death by signal), without waiting.
  std::optional<int> poll();
  int wait();
  void terminate();  // SIGTERM: `pepita train` stops after its next checkpoint

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Runs `program args` to its end; its output goes to `log`. Returns the exit status.
int run_to_end(const std::filesystem::path& program, const std::vector<std::string>& args,
               const std::filesystem::path& log);

struct PoolJob {
  std::vector<std::string> args;
  std::filesystem::path log;
  // A run whose figures are its speed: it starts only when no other job runs, and none starts
  // beside it, whatever `parallel` allows.
  bool alone = false;
};

struct PoolResult {
  std::size_t finished = 0;  // jobs that exited with status 0 or with a failure that is a result
  // The first job that failed, and its status; after it the pool starts nothing more and stops
  // the jobs still running.
  std::optional<std::size_t> failed_job;
  int failed_status = 0;
  bool stopped = false;  // stop_requested said so: the running jobs were stopped, no more started
};

// Runs every job as `program args`, at most `parallel` at a time (an `alone` job by itself), in order. `on_finished(i)` is
// called as job i exits with status 0, or with another status that `failure_is_a_result(i, status)`
// accepts (a study's diverged run); any other failure stops the pool. Checks `stop_requested`
// every 100 ms.
PoolResult run_pool(const std::filesystem::path& program, const std::vector<PoolJob>& jobs, int parallel,
                    const std::function<void(std::size_t job)>& on_finished,
                    const std::function<bool()>& stop_requested,
                    const std::function<bool(std::size_t job, int status)>& failure_is_a_result =
                        [](std::size_t, int) { return false; });

}  // namespace pepita::cli::reproduce
