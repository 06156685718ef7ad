// Sequential: one batch in flight. The next batch enters only after every layer has applied the
// previous batch's update (the paper's semantics). With nothing to overlap, all cores go to oneDNN.
#include "schedulers/builtin_schedulers.hpp"

namespace pepita {

SchedulerEntry sequential_scheduler() {
  return {"sequential", "one batch at a time (the paper's semantics; the default)", {},
          [](const SchedulerSettings& settings) {
            return std::make_unique<Scheduler>(settings, FlowPolicy{.in_flight = 1}, ThreadSplit::all_to_dnnl);
          }};
}

}  // namespace pepita
