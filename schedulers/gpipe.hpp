#pragma once
#include "schedulers/scheduler.hpp"

namespace pepita {

// GPipe: M micro-batches go through their standard passes, then their learning passes; the layers
// accumulate the updates and apply them together at the flush. M micro-batches of b samples thus
// take the step that one batch of M·b would.
class GPipeScheduler final : public Scheduler {
 public:
  explicit GPipeScheduler(const SchedulerSettings& settings);
  std::string name() const override { return "gpipe"; }
  void configure(GraphConfig& graph) const override;
  void train(TrainingGraph& graph, std::span<const BatchHandle> batches) override;

 private:
  SchedulerSettings settings_;
};

}  // namespace pepita
