#pragma once
// SIGINT and SIGTERM as a request to stop: while a StopSignals lives, the first of them only sets
// a flag that the training loop checks between chunks, so the run can save a checkpoint and exit
// cleanly. A second signal ends the process at once, the default way, for when waiting for the
// next chunk boundary is too long.
#include <signal.h>

namespace pepita::cli {

class StopSignals {
 public:
  // Installs the handlers. A signal ignored on entry (as `nohup` arranges) stays ignored.
  StopSignals();
  // Restores the handlers that were there before.
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // The first stop signal received (SIGINT or SIGTERM), or 0. Safe to call from any thread.
  int received() const;

 private:
  struct sigaction previous_interrupt_ {};
  struct sigaction previous_terminate_ {};
};

}  // namespace pepita::cli
