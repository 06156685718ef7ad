#pragma once
// The schedulers that ship with pepita-flow, one file each; scheduler_registry.cpp lists them.
#include "schedulers/scheduler_registry.hpp"

namespace pepita {

SchedulerEntry sequential_scheduler();
SchedulerEntry pipelined_scheduler();
SchedulerEntry gpipe_scheduler();
SchedulerEntry async_scheduler();
SchedulerEntry zero_bubble_scheduler();

}  // namespace pepita
