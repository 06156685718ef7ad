#pragma once
// The fixed interleave of a layer's visits (`--staleness fixed`), which makes a pipelined run's
// numbers independent of timing.
//
// With K batches in flight and the order left to timing, how many updates land on W_l between a
// batch's standard pass and its learning visit depends on which message happens to reach the
// layer first: it differs between thread counts, ranks and machines, and so do the weights.
// Here every layer runs its visits in one order fixed in advance, with a lag d ≤ K − 1 of its own:
// the standard passes of the run's first d + 1 batches, then the learning visit of the oldest batch
// and the next standard pass, in turn; the learning visits of the run's last d batches come after
// its last standard pass. Every update then sees exactly min(j, d) updates of the same layer land
// since its standard pass (j: the batch's place in the run), whatever the timing.
// - d = K − 1 at every layer (`--staleness fixed`) is the order 1F1B gives PipeDream's first stage.
// - 1F1B's later stages lag by fewer batches: L − l under BP, `--staleness 3,2,1,0` for 4 layers at
//   K = 4. Those lags keep the pipeline as full as timing does (docs/simulation.md).
//
// Nothing waits that the graph could not deliver, as long as no layer's lag exceeds the lag of a
// layer below it (train/config.cpp refuses that):
// - batch j's learning visit at layer l waits for batch j + d_l's standard pass there. That pass was
//   admitted once batch j + d_l − K ≤ j − 1 had completed. On its way up it waits at each layer m
//   below for the learning visit of batch j + d_l − d_m − 1 ≤ j − 1, and at l for that of j − 1.
// - A standard pass therefore waits only on older batches' learning visits, and a batch's learning
//   signal on its own standard passes and on the learning visits its rule sends it through. By
//   induction on the batch, everything becomes due.
// A message that arrives before its turn is held here and run by the visit that makes it due.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <unordered_map>

#include "graph/flow_policy.hpp"
#include "graph/learning_rule.hpp"
#include "graph/message.hpp"

namespace pepita {

class FixedInterleave {
 public:
  // `lag`: at most K − 1 with K batches in flight, so that the standard pass a learning visit waits
  // for can be admitted (above).
  explicit FixedInterleave(int lag) : lag_(lag) {}

  // A run of batches begins: standard passes (training) in this order, or another pass, which is
  // never held. What a failed run left held is dropped.
  void begin_run(std::span<const BatchHandle> batches, Pass pass);
  // Whether `message` is due now. A standard pass is due in the run's order, once the learning
  // visit `lag` + 1 batches before it has run; a learning signal once every older batch has learnt
  // here and the standard pass `lag` batches later has run.
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

// The gate of the layer at `place` under `flow`: none unless the order is fixed, and none for a
// layer that learns only within its standard visit (DRTP's hidden layers), which has no learning
// visit to place; its standard passes arrive in the run's order, and each update lands in its own.
// The real layer node and the virtual clock's simulated layer both take their gate from here.
std::optional<FixedInterleave> fixed_interleave_for(const FlowPolicy& flow, const LearningRule& rule, const LayerPlace& place);

}  // namespace pepita
