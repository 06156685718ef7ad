#pragma once
// Which rank of an MPI job runs each node of a run's graph: `--placement` read over the ranks, as
// the virtual clock reads it over simulated devices (simulation/placement.hpp), with FLOP-balanced
// runs of consecutive layers by default.
#include <string>

#include "graph/graph_config.hpp"
#include "graph/remote_link.hpp"

namespace pepita {

// Throws std::invalid_argument with a one-line message for a placement the ranks cannot take: a
// pool, fewer layers than ranks, or a first layer (which the input feeds) off rank 0.
RankPlan rank_plan(const GraphConfig& graph, const std::string& placement, RemoteLink& link);

// "0,0,1,1": the rank of each learning layer, for the summary and the checkpoint's fingerprint.
std::string describe_ranks(const GraphConfig& graph);

}  // namespace pepita
