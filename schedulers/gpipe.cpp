#include "schedulers/gpipe.hpp"

#include <algorithm>
#include <stdexcept>

namespace pepita {

GPipeScheduler::GPipeScheduler(const SchedulerSettings& settings) : settings_(settings) {
  if (settings.micro_batches < 1) throw std::invalid_argument("--micro-batches must be at least 1");
}

void GPipeScheduler::configure(GraphConfig& graph) const {
  graph.in_flight = settings_.micro_batches;
  graph.order = MessageOrder::standard_first;
  graph.deferred_updates = true;
  overlap_layers(graph, settings_);
}

void GPipeScheduler::train(TrainingGraph& graph, std::span<const BatchHandle> batches) {
  const std::size_t m = std::size_t(settings_.micro_batches);
  for (std::size_t start = 0; start < batches.size(); start += m) {
    const auto group = batches.subspan(start, std::min(m, batches.size() - start));
    graph.run(group, Pass::standard);
    int rows = 0;
    for (const BatchHandle& micro_batch : group) rows += micro_batch->rows();
    graph.flush_updates(rows);
  }
}

}  // namespace pepita
