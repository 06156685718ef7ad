// A scheduler defined outside the library, to show that a scheduler is one file and one
// registration line: pipelined, but every layer takes the standard pass first and the newest batch
// first — 1F1B's order reversed. Trained by the real graph in test_plugins.cpp.
#include "schedulers/scheduler_registry.hpp"

namespace pepita::testing {

namespace {

// True when a should wait while b runs: standard work before learning, newer batches before older.
bool newest_standard_first(const Message& a, const Message& b) {
  const bool a_learns = is_learning_signal(a.pass), b_learns = is_learning_signal(b.pass);
  if (a_learns != b_learns) return a_learns;
  return a.batch->id < b.batch->id;
}

}  // namespace

extern const MessageOrder reversed_order;
const MessageOrder reversed_order{"newest standard first", &newest_standard_first};

const SchedulerRegistration reversed{{"reversed", "test scheduler: K in flight, newest standard pass first", {"in-flight"},
                                      [](const SchedulerSettings& settings) {
                                        const FlowPolicy flow{.in_flight = settings.in_flight, .order = reversed_order};
                                        return std::make_unique<Scheduler>(settings, flow, ThreadSplit::overlap_layers);
                                      }}};

}  // namespace pepita::testing
