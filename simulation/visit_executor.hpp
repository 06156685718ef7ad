#pragma once
// What runs a node's visit for the virtual clock: the real nodes of a TrainingGraph (the
// arithmetic runs, only time is simulated), or the message model (nothing is computed).
#include <cstdint>

#include "graph/message.hpp"
#include "graph/outbox.hpp"

namespace pepita {

class VisitExecutor {
 public:
  virtual ~VisitExecutor() = default;
  // Node `node` (graph order, simulation/topology.hpp) takes `message` and sends through `out`.
  virtual void visit(int node, const Message& message, Outbox& out) = 0;
  // Every layer has updated `batch`: no more visits for it will come.
  virtual void completed(std::uint64_t /*batch*/) {}
};

}  // namespace pepita
