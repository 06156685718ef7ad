#include "schedulers/scheduler.hpp"

#include <stdexcept>

#include "schedulers/sequential.hpp"

namespace pepita {

std::unique_ptr<Scheduler> make_scheduler(const SchedulerSettings& settings) {
  if (settings.name == "sequential") return std::make_unique<SequentialScheduler>(settings);
  throw std::invalid_argument("unknown scheduler '" + settings.name + "' (choose from: " + scheduler_names() + ")");
}

std::string scheduler_names() { return "sequential"; }

}  // namespace pepita
