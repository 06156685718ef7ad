// Zero bubble, ZB-H1 (Qi et al., "Zero Bubble Pipeline Parallelism", ICLR 2024): 1F1B with each
// backward visit of BP and FA split in two. The B visit computes the gradient at the layer's input
// and sends it down at once; the W visit, which only the layer itself waits for, applies the weight
// gradient later, when the layer would otherwise be idle. As in ZB-H1, the memory stays 1F1B's: K
// batches in flight, each holding its soma entries until its W visits. PEPITA, DFA and DRTP have no
// backward chain to split: under zb-h1 they run as 1F1B does.
#include "schedulers/builtin_schedulers.hpp"

namespace pepita {

SchedulerEntry zero_bubble_scheduler() {
  return {"zb-h1",
          "zero bubble (ZB-H1): K batches in flight as 1F1B, BP's and FA's backward split into B and a later W that fills "
          "bubbles (other rules run unsplit)",
          {"in-flight"},
          [](const SchedulerSettings& settings) {
            const FlowPolicy flow{.in_flight = settings.in_flight,
                                  .order = MessageOrder::zero_bubble,
                                  .weights = WeightPolicy::latest,
                                  .updates = UpdateMode::immediate,
                                  .backward = BackwardVisits::split};
            return std::make_unique<Scheduler>(settings, flow, ThreadSplit::overlap_layers);
          }};
}

}  // namespace pepita
