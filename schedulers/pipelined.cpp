// Pipelined: up to K batches in flight. Each layer node stays serial (it owns its weights) while
// different layers work on different batches at once; a layer with both kinds of work waiting
// takes the learning signal first, oldest batch first (1F1B). Weights: the latest version (stale,
// the biologically plausible regime) or the version the batch's standard pass used (stash). With
// --staleness fixed, each layer keeps one order of visits fixed in advance instead, so that timing
// decides nothing (graph/fixed_interleave.hpp).
#include "schedulers/builtin_schedulers.hpp"

namespace pepita {

SchedulerEntry pipelined_scheduler() {
  return {"pipelined", "K batches in flight, learning signal first (1F1B)", {"in-flight", "weights", "stash-form", "staleness"},
          [](const SchedulerSettings& settings) {
            const FlowPolicy flow{.in_flight = settings.in_flight,
                                  .order = MessageOrder::learning_first,
                                  .weights = settings.weights,
                                  .stash_form = settings.stash_form,
                                  .staleness = settings.staleness};
            return std::make_unique<Scheduler>(settings, flow, ThreadSplit::overlap_layers);
          }};
}

}  // namespace pepita
