#pragma once
// What a node visit costs in virtual time, and what a message costs on a link between devices.
//   unit      every stage visit costs 1 (the logical clock made into a schedule); the input, error
//             and projection nodes cost 0, so that textbook bubble formulas hold (docs/simulation.md)
//   flops     the visit's multiply-adds ×2 over the device's rate (--device-gflops)
//   measured  the times `pepita calibrate` measured for each visit shape on a real machine
//             (simulation/measured_cost.hpp)
#include <cstddef>
#include <limits>
#include <memory>
#include <string>

#include "graph/message.hpp"
#include "simulation/topology.hpp"

namespace pepita {

class CostModel {
 public:
  virtual ~CostModel() = default;
  // Virtual seconds (unit: ticks) for `node` to take a `pass` message of a batch of `rows` samples.
  virtual double visit_seconds(const GraphTopology& topology, int node, Pass pass, int rows) const = 0;
  // What the figures are in: "s" for seconds, "visit" for unit cost.
  virtual std::string time_unit() const { return "s"; }
  // The host's own time around the visits: starting and draining the
  // graph for one training call (a GPipe group, or a run of batches), and GPipe's flush, which
  // applies `rows` samples' summed updates. Only measured profiles know them; the others give 0.
  virtual double round_seconds(const GraphTopology&) const { return 0; }
  virtual double flush_seconds(const GraphTopology&, int /*rows*/) const { return 0; }
  // ...and the hand-over of every message from one visit to the next (an edge of the flow graph:
  // the task it spawns, the thread that wakes for it), on top of any link between devices.
  virtual double handoff_seconds(const GraphTopology&) const { return 0; }
};

// Every visit costs `stage_cost` at a stage and `auxiliary_cost` at the input, error and projection.
class UnitCost final : public CostModel {
 public:
  explicit UnitCost(double auxiliary_cost = 0) : auxiliary_cost_(auxiliary_cost) {}
  double visit_seconds(const GraphTopology& topology, int node, Pass, int) const override {
    return topology.node(node).is_stage() ? 1.0 : auxiliary_cost_;
  }
  std::string time_unit() const override { return "visit"; }

 private:
  double auxiliary_cost_;
};

// Floating-point operations of one visit, from its shapes and the rule's reaction: each matrix
// product (forward, the modulated integration, the weight gradient, the gradient down, a direct
// feedback projection) counts 2·m·k·n; element-wise work counts one per element.
double visit_flops(const GraphTopology& topology, int node, Pass pass, int rows);

class FlopsCost final : public CostModel {
 public:
  explicit FlopsCost(double device_gflops);
  double visit_seconds(const GraphTopology& topology, int node, Pass pass, int rows) const override {
    return visit_flops(topology, node, pass, rows) / flops_per_second_;
  }

 private:
  double flops_per_second_;
};

// A message between two devices: latency plus bytes over bandwidth. Links are point to point and
// independent: two messages on one link do not queue behind each other.
struct LinkModel {
  double latency_seconds = 0;
  double bytes_per_second = std::numeric_limits<double>::infinity();
  double seconds(std::size_t bytes) const { return latency_seconds + double(bytes) / bytes_per_second; }
};

}  // namespace pepita
