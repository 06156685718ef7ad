#pragma once
#include "schedulers/scheduler.hpp"

namespace pepita {

// One batch in flight: the next batch enters only after every layer has applied the previous
// batch's update (the paper's semantics). With nothing to overlap, all cores go to oneDNN.
class SequentialScheduler final : public Scheduler {
 public:
  explicit SequentialScheduler(const SchedulerSettings& settings) : settings_(settings) {}
  std::string name() const override { return "sequential"; }
  void configure(GraphConfig& graph) const override;
  void train(TrainingGraph& graph, std::span<const BatchHandle> batches) override;

 private:
  SchedulerSettings settings_;
};

}  // namespace pepita
