#include "schedulers/sequential.hpp"

namespace pepita {

void SequentialScheduler::configure(GraphConfig& graph) const {
  graph.in_flight = 1;
  graph.graph_threads = 1;
  graph.dnnl_threads = settings_.dnnl_threads > 0 ? settings_.dnnl_threads : settings_.threads;
}

void SequentialScheduler::train(TrainingGraph& graph, std::span<const BatchHandle> batches) {
  graph.run(batches, Pass::standard);
}

}  // namespace pepita
