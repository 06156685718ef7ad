#pragma once
// A training run on the virtual clock: the graph's topology, the devices, the cost model, and who
// runs the visits. With arithmetic, the real nodes of a TrainingGraph run every visit (accuracy,
// divergence and weights are real; only time is simulated); with --no-math the message model runs
// them and no weight exists, so any scale fits. Either way it is the BatchRunner the scheduler
// trains through, so every scheduler's own control flow (GPipe's flushes) runs unchanged.
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "graph/batch_runner.hpp"
#include "graph/training_graph.hpp"
#include "simulation/message_model.hpp"
#include "simulation/simulation_settings.hpp"
#include "simulation/topology.hpp"
#include "simulation/virtual_clock.hpp"

namespace pepita {

// The cost model the settings name. Throws std::invalid_argument (or, for a bad profile,
// std::runtime_error) with a one-line message.
std::shared_ptr<const CostModel> make_cost_model(const SimulationSettings& settings);

class Simulation final : public BatchRunner {
 public:
  // The real graph's nodes run the visits.
  Simulation(TrainingGraph& graph, const SimulationSettings& settings);
  // Nothing is computed: the message model runs the visits of the graph `config` describes.
  Simulation(const GraphConfig& config, const SimulationSettings& settings);

  std::size_t train(std::span<const BatchHandle> batches, const std::function<bool()>& stop_requested) override;
  void flush_updates(int rows) override;

  const VirtualClock& clock() const { return *clock_; }
  VirtualClock& clock() { return *clock_; }
  const GraphTopology& topology() const { return topology_; }
  const SimulationSettings& settings() const { return settings_; }

 private:
  class GraphVisits;
  Simulation(const GraphConfig& config, const SimulationSettings& settings, TrainingGraph* graph);

  SimulationSettings settings_;
  TrainingGraph* graph_;  // null without arithmetic
  GraphTopology topology_;
  std::unique_ptr<VisitExecutor> executor_;
  std::unique_ptr<VirtualClock> clock_;
};

}  // namespace pepita
