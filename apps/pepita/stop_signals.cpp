#include "stop_signals.hpp"

#include <atomic>
#include <stdexcept>

namespace pepita::cli {

namespace {

// A handler may only touch lock-free atomics; the signal number doubles as the flag.
std::atomic<int> received_signal{0};
std::atomic<bool> installed{false};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_stop_signal(int signal) {
  int none = 0;
  if (received_signal.compare_exchange_strong(none, signal)) return;
  // Asked twice: stop now, with the status a default death by this signal gives.
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

// Installs the handler for `signal` unless it is ignored, and returns what was there.
struct sigaction install(int signal) {
  struct sigaction previous {};
  ::sigaction(signal, nullptr, &previous);  // cannot fail for SIGINT and SIGTERM
  if (previous.sa_handler == SIG_IGN) return previous;
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // file writes and fsync go on undisturbed
  ::sigaction(signal, &action, nullptr);
  return previous;
}

}  // namespace

StopSignals::StopSignals() {
  // The flag is process-wide, so two live instances would share it.
  if (installed.exchange(true)) throw std::logic_error("StopSignals is already installed");
  received_signal = 0;
  previous_interrupt_ = install(SIGINT);
  previous_terminate_ = install(SIGTERM);
}

StopSignals::~StopSignals() {
  ::sigaction(SIGINT, &previous_interrupt_, nullptr);
  ::sigaction(SIGTERM, &previous_terminate_, nullptr);
  installed = false;
}

int StopSignals::received() const { return received_signal.load(); }

}  // namespace pepita::cli
