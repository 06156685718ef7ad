#include "schedulers/async.hpp"

#include <stdexcept>

namespace pepita {

AsyncScheduler::AsyncScheduler(const SchedulerSettings& settings) : settings_(settings) {
  if (settings.tokens < 1) throw std::invalid_argument("--tokens must be at least 1");
}

void AsyncScheduler::configure(GraphConfig& graph) const {
  graph.in_flight = settings_.tokens;
  graph.order = MessageOrder::none;
  graph.weights = WeightPolicy::latest;
  overlap_layers(graph, settings_);
}

void AsyncScheduler::train(TrainingGraph& graph, std::span<const BatchHandle> batches) {
  graph.run(batches, Pass::standard);
}

}  // namespace pepita
