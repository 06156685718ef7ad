#pragma once
// A scheduler decides how batches flow through the one training graph: how many are in flight,
// where the threads go, and how an epoch's batches are fed. Each is a configuration of the same
// graph, never a second training loop.
#include <memory>
#include <span>
#include <string>

#include "graph/rule_options.hpp"
#include "graph/training_graph.hpp"

namespace pepita {

struct SchedulerSettings {
  std::string name = "sequential";
  int threads = 0;       // total cores to use; 0 = all
  int dnnl_threads = 0;  // OpenMP threads per oneDNN primitive; 0 = the scheduler's choice
  int in_flight = 4;     // pipelined: batches in flight
  WeightPolicy weights = WeightPolicy::latest;  // pipelined
  int micro_batches = 4; // gpipe: micro-batches per flush
  int tokens = 4;        // async: batches in flight

  int cores() const;     // threads, or every core when 0
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual std::string name() const = 0;
  // Shapes the graph before it is built: batches in flight, oneTBB and oneDNN threads.
  virtual void configure(GraphConfig& graph) const = 0;
  // Trains on one epoch's batches, in order.
  virtual void train(TrainingGraph& graph, std::span<const BatchHandle> batches) = 0;
};

std::unique_ptr<Scheduler> make_scheduler(const SchedulerSettings& settings);

// The split for schedulers that overlap layers: oneTBB threads for the nodes, and as many OpenMP
// threads per primitive as leave the total at the core count (1 unless asked otherwise).
void overlap_layers(GraphConfig& graph, const SchedulerSettings& settings);

// Names make_scheduler accepts, for help texts and errors.
std::string scheduler_names();

}  // namespace pepita
