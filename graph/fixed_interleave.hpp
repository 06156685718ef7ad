#pragma once
// The fixed interleave of a layer's visits (`--staleness fixed`), which makes a pipelined run's
// numbers independent of timing.
//
// With K batches in flight and the order left to timing, how many updates land on W_l between a
// batch's standard pass and its learning visit depends on which message happens to reach the
// layer first: it differs between thread counts, ranks and machines, and so do the weights.
// Here every layer runs its visits in one order fixed in advance: the one 1F1B's steady state gives
// PipeDream's first stage, at every layer (1F1B's later stages lag by fewer batches, which this
// order does not follow: docs/simulation.md has what that costs at depth). That is the standard
// passes of the first K batches, then the learning visit of the oldest batch and the next standard
// pass, in turn; the learning visits of the last K − 1 batches of a run come after
// its last standard pass. Every update then sees exactly min(j, K − 1) updates of the same layer
// land since its standard pass (j: the batch's place in the run), whatever the timing.
//
// Nothing waits that the graph could not deliver: batch j's learning visit waits for batch
// j + K − 1's standard pass, which was admitted once batch j − 1 had completed, and which needs no
// learning visit to reach the layer. A message that arrives before its turn is held here and
// run by the visit that makes it due.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <unordered_map>

#include "graph/message.hpp"

namespace pepita {

class FixedInterleave {
 public:
  // `lag`: K − 1 with K batches in flight, the most the limiter allows, so that the standard pass
  // a learning visit waits for is always admitted (above).
  explicit FixedInterleave(int lag) : lag_(lag) {}

  // A run of batches begins: standard passes (training) in this order, or another pass, which is
  // never held. What a failed run left held is dropped.
  void begin_run(std::span<const BatchHandle> batches, Pass pass);
  // Whether `message` is due now. A standard pass is due in the run's order; a learning signal
  // once every older batch has learnt here and the standard pass K − 1 batches later has run.
  bool due(const Message& message) const;
  // Keeps a message that is not due yet.
  void hold(const Message& message);
  // Notes that a due message has run.
  void ran(const Message& message);
  // A held message that is now due, taken out; none when none is.
  std::optional<Message> take_due();
  // Messages held; nonzero after a run means a learning signal never became due (a wiring mistake).
  std::size_t held() const { return held_standard_.size() + held_learning_.size(); }

 private:
  std::int64_t place_of(const Message& message) const;
  static bool gated(Pass pass);

  int lag_;  // updates of this layer that land between a batch's standard pass and its learning visit
  bool training_ = false;  // a run of standard passes, the only one with an order to keep
  std::unordered_map<std::uint64_t, std::int64_t> place_;  // batch id → its place in the run
  std::int64_t standard_done_ = 0;  // standard passes run so far in this run
  std::int64_t learnt_ = 0;         // learning visits run so far in this run
  std::map<std::int64_t, Message> held_standard_;  // by place
  std::map<std::int64_t, Message> held_learning_;
};

}  // namespace pepita
