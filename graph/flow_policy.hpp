#pragma once
// How batches flow through the one training graph: the values a scheduler chooses. Everything that
// tells sequential, pipelined, GPipe and asynchronous training apart is one of these values; only a
// scheduler that needs its own control flow (GPipe's flush) adds code (schedulers/scheduler.hpp).
#include <string_view>

#include "graph/message.hpp"

namespace pepita {

// How a layer treats the weights between a batch's standard pass and its learning pass when other
// batches update them in between: use the latest W, or the version the standard pass used
// (PipeDream's weight stashing).
enum class WeightPolicy { latest, stash };

// When a layer's updates reach its weights: at once, or summed until the scheduler flushes them
// (GPipe: one optimizer step per group of micro-batches).
enum class UpdateMode { immediate, deferred };

// Which waiting message a layer takes first. A value, not an enumeration, so that a scheduler can
// bring its own order: `runs_after(a, b)` is true when a should wait while b runs.
struct MessageOrder {
  std::string_view name;
  bool (*runs_after)(const Message& a, const Message& b) = nullptr;

  // The learning signal first, oldest batch first (1F1B): a batch's lock ends as early as it can.
  static const MessageOrder learning_first;
  // The standard pass first, oldest batch first (GPipe: all forward work before any learning).
  static const MessageOrder standard_first;
  // No preference at all (asynchronous): whichever message the queue yields.
  static const MessageOrder none;
};

// A learning signal: the message a layer learns from (as opposed to activity passing forward).
bool is_learning_signal(Pass pass);

struct FlowPolicy {
  int in_flight = 1;  // batches admitted at once: the limiter's tokens
  MessageOrder order = MessageOrder::learning_first;
  WeightPolicy weights = WeightPolicy::latest;
  UpdateMode updates = UpdateMode::immediate;
};

}  // namespace pepita
