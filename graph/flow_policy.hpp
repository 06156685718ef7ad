#pragma once
// How batches flow through the one training graph: the values a scheduler chooses. Everything that
// tells sequential, pipelined, GPipe and asynchronous training apart is one of these values; only a
// scheduler that needs its own control flow (GPipe's flush) adds code (schedulers/scheduler.hpp).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "graph/message.hpp"

namespace pepita {

// How a layer treats the weights between a batch's standard pass and its learning pass when other
// batches update them in between: use the latest W, or the version the standard pass used
// (PipeDream's weight stashing).
enum class WeightPolicy { latest, stash };

// How a stash is held: a copy of W_l, or the updates applied since the standard pass
// (graph/update_history.hpp), which a dense layer can use only while every step is plain SGD.
// `automatic` takes the updates wherever they are allowed and smaller than a copy: at small batches.
enum class StashForm { automatic, copy, updates };

// How many updates land on a layer between a batch's standard pass and its learning visit, with K
// batches in flight: whatever the timing gives (at most K − 1, which differs between thread counts,
// ranks and machines), or exactly a lag set in advance, in a fixed order of visits
// (graph/fixed_interleave.hpp), so that a run's numbers do not depend on timing.
struct Staleness {
  bool fixed = false;
  // Under the fixed order: the lag of each learning layer, first to last, or one lag for every
  // layer; none means K − 1 at every layer, the most K allows. Each lag is at most K − 1 and none
  // exceeds the lag of a layer below it: the order is then free of deadlock (fixed_interleave.hpp).
  std::vector<int> lags;

  int lag_of(int layer_index, int in_flight) const {
    if (lags.empty()) return in_flight - 1;
    return lags.size() == 1 ? lags.front() : lags.at(std::size_t(layer_index));
  }
  bool operator==(const Staleness&) const = default;
};

// "timing", "fixed", or the lags: "3,2,1,0" (what --staleness reads).
std::string to_string(const Staleness& staleness);

// Throws std::invalid_argument, naming the problem, for lags that no run can keep: a lag above
// K − 1, a lag above the lag of the layer below it (the order would wait on itself), or, once the
// model is known, a list for another number of learning layers than it has.
void require_valid_lags(const Staleness& staleness, int in_flight, std::optional<int> learning_layers = std::nullopt);

// When a layer's updates reach its weights: at once, or summed until the scheduler flushes them
// (GPipe: one optimizer step per group of micro-batches).
enum class UpdateMode { immediate, deferred };

// How a layer with a backward chain (BP, FA) learns from its learning signal: in one visit that
// sends the gradient down and updates, or split as in zero-bubble pipelining (Qi et al., ICLR 2024):
// a B visit computes the term at the pre-activation and sends the gradient down at once, and a
// later W visit of the same layer applies the weight gradient, so that W can fill a bubble instead
// of holding up the layers below. Rules without a backward chain learn as they always do.
enum class BackwardVisits { joined, split };

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
  // Zero bubble (ZB-H1): the learning signal (B) first, then the standard pass (F), then a split
  // backward's weight visit (W), oldest batch first among equals. B unlocks the layer below, F
  // feeds the layer above; W waits for nobody, so it runs when a stage would otherwise be idle.
  static const MessageOrder zero_bubble;
};

// A learning signal: the message a layer learns from (as opposed to activity passing forward),
// a split backward's weight visit included.
bool is_learning_signal(Pass pass);

struct FlowPolicy {
  int in_flight = 1;  // batches admitted at once: the limiter's tokens
  MessageOrder order = MessageOrder::learning_first;
  WeightPolicy weights = WeightPolicy::latest;
  StashForm stash_form = StashForm::automatic;
  Staleness staleness{};  // timing unless fixed
  UpdateMode updates = UpdateMode::immediate;
  BackwardVisits backward = BackwardVisits::joined;
};

}  // namespace pepita
