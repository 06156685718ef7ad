#pragma once
// A scheduler decides how batches flow through the one training graph: how many are in flight,
// which waiting message a layer takes first, which weights a learning pass sees, when updates
// land, and where the threads go. Each is a configuration of the same graph, never a second
// training loop: a FlowPolicy value and a thread split. Only a scheduler that needs its own
// control flow overrides train() (GPipe's flush).
//
// Schedulers are registry entries (schedulers/scheduler_registry.hpp).
#include <functional>
#include <memory>
#include <span>

#include "graph/flow_policy.hpp"
#include "graph/training_graph.hpp"
#include "schedulers/scheduler_settings.hpp"

namespace pepita {

// Where the cores go. With nothing to overlap, all of them to oneDNN inside each primitive; when
// layers overlap, one oneTBB thread per core and one OpenMP thread per primitive (unless asked
// otherwise), so the total never oversubscribes the cores (docs/design.md, Threads).
enum class ThreadSplit { all_to_dnnl, overlap_layers };

class Scheduler {
 public:
  Scheduler(const SchedulerSettings& settings, FlowPolicy flow, ThreadSplit split)
      : settings_(settings), flow_(flow), split_(split) {}
  virtual ~Scheduler() = default;

  const FlowPolicy& flow() const { return flow_; }
  // Shapes the graph before it is built: its flow policy, and the oneTBB and oneDNN threads.
  void configure(GraphConfig& graph) const;
  // Trains on a run of one epoch's batches, in order: by default, all of them through the graph at
  // once. Once `stop_requested` answers true it admits no more batches, at the first point where
  // stopping moves no update, and returns how many it trained (a prefix of `batches`).
  // `runner` is the flow graph, or the graph on a virtual clock.
  virtual std::size_t train(BatchRunner& runner, std::span<const BatchHandle> batches,
                            const std::function<bool()>& stop_requested) const;
  // Batches whose updates land together; a chunk of an epoch (a checkpoint's interval) holds whole
  // groups of them, so that chunking never moves an update.
  virtual int batches_per_update() const { return 1; }

 protected:
  const SchedulerSettings& settings() const { return settings_; }

 private:
  SchedulerSettings settings_;
  FlowPolicy flow_;
  ThreadSplit split_;
};

}  // namespace pepita
