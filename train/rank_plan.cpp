#include "train/rank_plan.hpp"

#include <stdexcept>

#include "simulation/placement.hpp"
#include "simulation/topology.hpp"

namespace pepita {

RankPlan rank_plan(const GraphConfig& graph, const std::string& placement, RemoteLink& link) {
  const GraphTopology topology(graph.stages, graph.input, graph.classes, *graph.rule, graph.flow.backward);
  if (placement == "pool") throw std::invalid_argument("--placement pool describes threads that share one memory, not MPI ranks");
  const Placement placed = place_nodes(topology, link.ranks(), placement, "balanced", "rank");
  if (placed.device_of.front() != RemoteLink::root)
    throw std::invalid_argument("--placement must put the first layer on rank 0, which reads the data and hosts the input");
  return RankPlan{&link, placed.device_of};
}

std::string describe_ranks(const GraphConfig& graph) {
  const GraphTopology topology(graph.stages, graph.input, graph.classes, *graph.rule, graph.flow.backward);
  std::string text;
  for (int l = 0; l < topology.layers(); ++l)
    text.append(l ? "," : "").append(std::to_string(graph.ranks.rank_of_node.at(std::size_t(topology.layer_node(l)))));
  return text;
}

}  // namespace pepita
