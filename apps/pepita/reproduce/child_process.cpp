#include "child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace pepita::cli::reproduce {

namespace {

int exit_status(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 1;
}

class SpawnFileActions {
 public:
  SpawnFileActions() { posix_spawn_file_actions_init(&actions_); }
  ~SpawnFileActions() { posix_spawn_file_actions_destroy(&actions_); }
  SpawnFileActions(const SpawnFileActions&) = delete;
  SpawnFileActions& operator=(const SpawnFileActions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

}  // namespace

ChildProcess::ChildProcess(const std::filesystem::path& program, const std::vector<std::string>& args,
                           const std::filesystem::path& log) {
  SpawnFileActions actions;
  posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(actions.get(), STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(actions.get(), STDOUT_FILENO, STDERR_FILENO);
  std::vector<std::string> words{program.string()};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  const int error = posix_spawn(&pid_, program.c_str(), actions.get(), nullptr, argv.data(), environ);
  if (error != 0) throw std::runtime_error("cannot start " + program.string() + ": " + std::strerror(error));
}

ChildProcess::~ChildProcess() {
  if (status_) return;
  terminate();
  wait();
}

std::optional<int> ChildProcess::poll() {
  if (status_) return status_;
  int raw = 0;
  const pid_t done = ::waitpid(pid_, &raw, WNOHANG);
  if (done == pid_) status_ = exit_status(raw);
  else if (done < 0 && errno != EINTR) status_ = 1;  // not our child any more: nothing to wait for
  return status_;
}

int ChildProcess::wait() {
  while (!status_) {
    int raw = 0;
    const pid_t done = ::waitpid(pid_, &raw, 0);
    if (done == pid_) status_ = exit_status(raw);
    else if (done < 0 && errno != EINTR) status_ = 1;
  }
  return *status_;
}

void ChildProcess::terminate() {
  if (!status_) ::kill(pid_, SIGTERM);
}

int run_to_end(const std::filesystem::path& program, const std::vector<std::string>& args,
               const std::filesystem::path& log) {
  ChildProcess child(program, args, log);
  return child.wait();
}

PoolResult run_pool(const std::filesystem::path& program, const std::vector<PoolJob>& jobs, int parallel,
                    const std::function<void(std::size_t job)>& on_finished,
                    const std::function<bool()>& stop_requested,
                    const std::function<bool(std::size_t job, int status)>& failure_is_a_result) {
  struct Running {
    std::size_t job;
    std::unique_ptr<ChildProcess> child;
  };
  PoolResult result;
  std::vector<Running> running;
  std::size_t next = 0;
  bool stopping = false;
  const auto stop_all = [&] {
    stopping = true;
    for (Running& r : running) r.child->terminate();
  };
  // Once stopping, the jobs not started stay so: only the running ones are waited for.
  while ((!stopping && next < jobs.size()) || !running.empty()) {
    if (!stopping && stop_requested()) {
      result.stopped = true;
      stop_all();
    }
    const auto may_start = [&](const PoolJob& job) {
      if (running.empty()) return true;
      return int(running.size()) < parallel && !job.alone && !jobs[running.front().job].alone;
    };
    while (!stopping && next < jobs.size() && may_start(jobs[next])) {
      running.push_back({next, std::make_unique<ChildProcess>(program, jobs[next].args, jobs[next].log)});
      ++next;
    }
    bool reaped = false;
    for (auto r = running.begin(); r != running.end();) {
      const std::optional<int> status = r->child->poll();
      if (!status) {
        ++r;
        continue;
      }
      reaped = true;
      if (*status == 0 || (!stopping && failure_is_a_result(r->job, *status))) {
        ++result.finished;
        on_finished(r->job);
      } else if (!stopping) {
        result.failed_job = r->job;
        result.failed_status = *status;
        stop_all();
      }
      r = running.erase(r);
    }
    if (!reaped && !running.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return result;
}

}  // namespace pepita::cli::reproduce
