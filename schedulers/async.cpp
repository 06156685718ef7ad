// Asynchronous: no ordering beyond a token limit. Up to K batches in flight, every layer takes
// whatever message waits, and updates apply as they come, to the latest weights.
#include "schedulers/builtin_schedulers.hpp"

namespace pepita {

SchedulerEntry async_scheduler() {
  return {"async", "K batches in flight, no message order, latest weights", {"tokens"},
          [](const SchedulerSettings& settings) {
            const FlowPolicy flow{.in_flight = settings.tokens, .order = MessageOrder::none};
            return std::make_unique<Scheduler>(settings, flow, ThreadSplit::overlap_layers);
          }};
}

}  // namespace pepita
