#include "schedulers/scheduler.hpp"

#include <algorithm>

namespace pepita {

int SchedulerSettings::cores() const {
  return threads_or_all_cores(threads);
}

void Scheduler::configure(GraphConfig& graph) const {
  graph.flow = flow_;
  switch (split_) {
    case ThreadSplit::all_to_dnnl:
      graph.graph_threads = 1;
      graph.dnnl_threads = settings_.dnnl_threads > 0 ? settings_.dnnl_threads : settings_.threads;
      return;
    case ThreadSplit::overlap_layers:
      graph.dnnl_threads = settings_.dnnl_threads > 0 ? settings_.dnnl_threads : 1;
      graph.graph_threads = std::max(1, settings_.cores() / graph.dnnl_threads);
      return;
  }
}

std::size_t Scheduler::train(BatchRunner& runner, std::span<const BatchHandle> batches,
                             const std::function<bool()>& stop_requested) const {
  // Stopping inside the run would move the last batches' updates ahead of standard passes that the
  // fixed order puts first, so that a resumed run would not end as an uninterrupted one: under the
  // fixed order a stop waits for the run's end (a checkpoint's interval, or the epoch).
  if (flow_.staleness.fixed) return runner.train(batches, {});
  return runner.train(batches, stop_requested);
}

}  // namespace pepita
