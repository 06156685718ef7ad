#pragma once
#include "schedulers/scheduler.hpp"

namespace pepita {

// No ordering beyond a token limit: up to K batches in flight, every layer takes whatever message
// waits, and updates apply as they come, to the latest weights.
class AsyncScheduler final : public Scheduler {
 public:
  explicit AsyncScheduler(const SchedulerSettings& settings);
  std::string name() const override { return "async"; }
  void configure(GraphConfig& graph) const override;
  void train(TrainingGraph& graph, std::span<const BatchHandle> batches) override;

 private:
  SchedulerSettings settings_;
};

}  // namespace pepita
