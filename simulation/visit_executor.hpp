#pragma once
// What runs a node's visit for the virtual clock: the real nodes of a TrainingGraph (the
// arithmetic runs, only time is simulated), or the message model (nothing is computed).
#include "graph/message.hpp"
#include "graph/outbox.hpp"

namespace pepita {

class VisitExecutor {
 public:
  virtual ~VisitExecutor() = default;
  // Node `node` (graph order, simulation/topology.hpp) takes `message` and sends through `out`.
  virtual void visit(int node, const Message& message, Outbox& out) = 0;
};

}  // namespace pepita
