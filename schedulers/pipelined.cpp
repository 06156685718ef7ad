#include "schedulers/pipelined.hpp"

#include <stdexcept>

namespace pepita {

PipelinedScheduler::PipelinedScheduler(const SchedulerSettings& settings) : settings_(settings) {
  if (settings.in_flight < 1) throw std::invalid_argument("--in-flight must be at least 1");
}

void PipelinedScheduler::configure(GraphConfig& graph) const {
  graph.in_flight = settings_.in_flight;
  graph.order = MessageOrder::learning_first;
  graph.weights = settings_.weights;
  overlap_layers(graph, settings_);
}

void PipelinedScheduler::train(TrainingGraph& graph, std::span<const BatchHandle> batches) {
  graph.run(batches, Pass::standard);
}

}  // namespace pepita
