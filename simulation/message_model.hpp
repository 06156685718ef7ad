#pragma once
// The nodes' visits without their arithmetic: each sends exactly what the real node sends (the
// rule's edges and reactions, LearningRule::reaction), with no tensors. It is the executor of a
// `--no-math` run and of `pepita schedule`'s dry run; tests hold its messages against the real
// nodes' (tests/schedulers/test_schedule.cpp, tests/simulation/test_virtual_clock.cpp).
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "simulation/topology.hpp"
#include "simulation/visit_executor.hpp"

namespace pepita {

class MessageModel final : public VisitExecutor {
 public:
  explicit MessageModel(const GraphTopology& topology) : topology_(topology) {}
  void visit(int node, const Message& message, Outbox& out) override;
  void completed(std::uint64_t batch) override { visited_.erase(batch); }

 private:
  void visit_layer(int node, const Message& message, Outbox& out);
  void react(int node, const Message& message, Outbox& out);
  void require_first_visit(int node, const Message& message);

  const GraphTopology& topology_;
  // Per batch in flight, a bit per (node, pass) it has visited: cheap enough for millions of
  // visits a second, and dropped when the batch completes.
  std::unordered_map<std::uint64_t, std::vector<std::uint64_t>> visited_;
};

}  // namespace pepita
