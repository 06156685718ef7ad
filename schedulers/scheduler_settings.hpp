#pragma once
// What the command line says about scheduling: the scheduler's name and the knobs schedulers read.
// Which knobs a scheduler reads is in its registry entry (schedulers/scheduler_registry.hpp).
#include <string>

#include "graph/flow_policy.hpp"

namespace pepita {

struct SchedulerSettings {
  std::string name = "sequential";
  int threads = 0;       // total cores to use; 0 = all
  int dnnl_threads = 0;  // OpenMP threads per oneDNN primitive; 0 = the scheduler's choice
  int in_flight = 4;     // batches in flight (pipelined)
  WeightPolicy weights = WeightPolicy::latest;  // pipelined
  StashForm stash_form = StashForm::automatic;  // pipelined, with the stash
  Staleness staleness;                          // pipelined: timing unless fixed
  int micro_batches = 4; // gpipe: micro-batches per flush
  int tokens = 4;        // async: batches in flight (its older name for in-flight)

  int cores() const;     // threads, or every core when 0
};

}  // namespace pepita
