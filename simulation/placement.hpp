#pragma once
// Which simulated device runs each node. A device runs one visit at a time.
//   contiguous   (default on the virtual clock) the learning layers split into D runs of consecutive
//                layers, as even in count as they go, the earlier devices taking the extra layer
//   balanced     (default for MPI ranks) D runs of consecutive layers whose largest FLOPs per
//                sample is as small as it can be
//   interleaved  layer l on device l mod D: several virtual stages per device (interleaved 1F1B)
//   0,0,1,1      an explicit device per learning layer
//   pool         D interchangeable workers that share every node and one memory, as a host's
//                threads do: each node still runs one visit at a time, and a visit takes any
//                free worker. Messages cross no link. It models the flow graph on D oneTBB threads.
// A pooling stage goes with the layer before it; the input node with the first layer, the error
// node and the projection with the output layer. `pepita train --placement` reads the same text
// for real ranks (the MPI issue) and for simulated devices.
#include <string>
#include <vector>

#include "simulation/topology.hpp"

namespace pepita {

struct Placement {
  int devices = 1;             // devices, or the pool's workers
  std::vector<int> device_of;  // per node, graph order; all 0 in a pool, whose nodes share one memory
  bool pool = false;
  // Where a node's bytes are held: its device, or the pool's one memory.
  int memories() const { return pool ? 1 : devices; }
};

// Throws std::invalid_argument with a one-line message naming the problem, in which the units are
// called `unit`: "device" on the virtual clock, "rank" under mpirun.
// `fallback` stands for an empty placement: the default of the clock that asks.
Placement place_nodes(const GraphTopology& topology, int devices, const std::string& placement,
                      const std::string& fallback = "contiguous", const std::string& unit = "device");

// One device per node: the dry run's view, where every node is its own serial unit.
Placement device_per_node(const GraphTopology& topology);

// "0,0,1,1": the device of each learning layer, for the summary.
std::string describe_layers(const GraphTopology& topology, const Placement& placement);

}  // namespace pepita
