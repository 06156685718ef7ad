#include "simulation/simulation.hpp"

#include <algorithm>
#include <limits>

#include <omp.h>
#include <stdexcept>

#include "simulation/measured_cost.hpp"

namespace pepita {

std::shared_ptr<const CostModel> make_cost_model(const SimulationSettings& settings) {
  if (settings.cost == "unit") return std::make_shared<UnitCost>();
  if (settings.cost == "flops") return std::make_shared<FlopsCost>(settings.device_gflops);
  if (settings.cost == "measured") {
    if (settings.profile.empty())
      throw std::invalid_argument("--cost measured needs --profile FILE (made by pepita calibrate)");
    return MeasuredCost::load(settings.profile);
  }
  throw std::invalid_argument("--cost: '" + settings.cost + "' is not one of: unit, flops, measured");
}

// The real nodes, each visit on the calling thread.
class Simulation::GraphVisits final : public VisitExecutor {
 public:
  explicit GraphVisits(TrainingGraph& graph) : graph_(graph) {}
  void visit(int node, const Message& message, Outbox& out) override { graph_.visit(node, message, out); }

 private:
  TrainingGraph& graph_;
};

Simulation::Simulation(TrainingGraph& graph, const SimulationSettings& settings) : Simulation(graph.config(), settings, &graph) {}

Simulation::Simulation(const GraphConfig& config, const SimulationSettings& settings) : Simulation(config, settings, nullptr) {}

Simulation::Simulation(const GraphConfig& config, const SimulationSettings& settings, TrainingGraph* graph)
    : settings_(settings), graph_(graph), topology_(config.stages, config.input, config.classes, *config.rule, config.flow.backward) {
  if (!(settings.link_latency_seconds >= 0)) throw std::invalid_argument("--link-latency must be 0 or more seconds");
  if (!(settings.link_gigabytes_per_second >= 0)) throw std::invalid_argument("--link-bandwidth must be 0 (unlimited) or more GB/s");
  if (graph_) executor_ = std::make_unique<GraphVisits>(*graph_);
  else executor_ = std::make_unique<MessageModel>(topology_);
  const ClockSettings clock{.flow = config.flow,
                            .link = {settings.link_latency_seconds, settings.link_gigabytes_per_second > 0
                                                                        ? settings.link_gigabytes_per_second * 1e9
                                                                        : std::numeric_limits<double>::infinity()},
                            .memory = MemorySettings::of(config),
                            .record_visits = settings.record_visits};
  clock_ = std::make_unique<VirtualClock>(topology_, place_nodes(topology_, settings.devices, settings.placement),
                                          make_cost_model(settings), clock, *executor_);
}

std::size_t Simulation::train(std::span<const BatchHandle> batches, const std::function<bool()>& stop_requested) {
  if (!graph_) return clock_->train(batches, stop_requested);
  // The real visits run on this thread, outside the graph's arena: give them the OpenMP threads
  // the scheduler chose for a primitive (docs/design.md, Threads), and put the caller's back after.
  struct OpenMpThreads {
    int saved = omp_get_max_threads();
    explicit OpenMpThreads(int threads) { omp_set_num_threads(threads); }
    ~OpenMpThreads() { omp_set_num_threads(saved); }
  } threads(threads_or_all_cores(graph_->config().dnnl_threads));
  return clock_->train(batches, stop_requested);
}

void Simulation::flush_updates(int rows) {
  if (graph_) graph_->flush_updates(rows);
  clock_->flush_updates(rows);
}

}  // namespace pepita
