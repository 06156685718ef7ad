#pragma once
#include "schedulers/scheduler.hpp"

namespace pepita {

// Up to K batches in flight. Each layer node stays serial (it owns its weights) while different
// layers work on different batches at once; a layer with both kinds of work waiting takes the
// learning signal first, oldest batch first (1F1B). Weights: the latest version (stale, the
// biologically plausible regime) or the version the batch's standard pass used (stash).
class PipelinedScheduler final : public Scheduler {
 public:
  explicit PipelinedScheduler(const SchedulerSettings& settings);
  std::string name() const override { return "pipelined"; }
  void configure(GraphConfig& graph) const override;
  void train(TrainingGraph& graph, std::span<const BatchHandle> batches) override;

 private:
  SchedulerSettings settings_;
};

}  // namespace pepita
