#pragma once
// The schedule a configuration implies, under unit cost: a dry run of the training graph, in the
// spirit of torch's pipelining dry run and DeepSpeed's schedule-as-instructions. It simulates the
// nodes TrainingGraph builds (input, the stages, error, and the projection where the rule has one),
// each serial, each visit one tick, and sends exactly what the real nodes send: the rule's edges
// and reactions (LearningRule::edges, LearningRule::reaction), the scheduler's flow policy (batches
// in flight, the very MessageOrder the stages' priority queues use, deferred updates in groups).
//
// It is what `pepita schedule` prints, and tests/schedulers/test_schedule.cpp holds it against the
// traces of real runs: the same visits per batch, the same order per node under `sequential`.
#include <cstdint>
#include <string>
#include <vector>

#include "graph/learning_rule.hpp"
#include "graph/message.hpp"
#include "graph/model_spec.hpp"
#include "schedulers/scheduler.hpp"

namespace pepita {

// One node visit: at `tick`, `node` takes the `pass` message of training batch `batch`.
struct ScheduledVisit {
  int tick = 0;
  std::string node;          // the graph's node name: "input", "hidden 1", "pool 2", "output 3", "error", "projection"
  Pass pass = Pass::standard;
  std::uint64_t batch = 0;   // 0, 1, …: the ids the first epoch's training batches carry
  std::uint32_t hops = 0;    // the message's logical clock, as the real message carries it
  std::string from;          // the node that sent the message; "limiter" for a batch entering at the input
  bool updates = false;      // a layer applied (deferred: accumulated) its update for the batch
};

// A flush of deferred updates (GPipe): the graph has drained the group, every layer applies the
// group's summed update, and the next group enters at `tick`.
struct ScheduledFlush {
  int tick = 0;
  std::vector<std::uint64_t> batches;  // the group
};

struct Schedule {
  std::vector<std::string> nodes;   // every node, in graph order: input, the stages, error, projection
  std::vector<std::string> stages;  // the chain's stages (layers and pools), first to output
  std::vector<std::string> layers;  // the learning layers, first to output
  std::vector<ScheduledVisit> visits;  // by tick, and within a tick in graph order
  std::vector<ScheduledFlush> flushes;
  int ticks = 0;                    // the last visit's tick + 1
};

// Simulates `batches` training batches through the graph built from `stages` (output last) under
// `rule` and `scheduler`'s flow policy. Throws std::logic_error where the real graph could not run:
// a message the rule does not take (as the real node would), or a batch that can never complete (a
// deadlock the real graph would meet as batches silently left untrained).
Schedule dry_run(const std::vector<StageSpec>& stages, const LearningRule& rule, const Scheduler& scheduler,
                 int batches);

// The visit as a grid cell or action: the pass's letter and the batch, "S0", "B12".
std::string visit_cell(const ScheduledVisit& visit);

// torchgpipe's clock-cycle grid: a row per node in graph order, a column per tick, `·` where the
// node is idle, a column of `|` at each flush, and a legend of the letters used.
std::string schedule_grid(const Schedule& schedule);

// One line per tick, DeepSpeed's instruction list: "t3: hidden 1 S1 | output 2 S0"; a flush is a
// line of its own.
std::string schedule_actions(const Schedule& schedule);

}  // namespace pepita
