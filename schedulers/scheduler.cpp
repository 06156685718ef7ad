#include "schedulers/scheduler.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "schedulers/async.hpp"
#include "schedulers/gpipe.hpp"
#include "schedulers/pipelined.hpp"
#include "schedulers/sequential.hpp"

namespace pepita {

int SchedulerSettings::cores() const {
  return threads > 0 ? threads : int(std::max(1u, std::thread::hardware_concurrency()));
}

void overlap_layers(GraphConfig& graph, const SchedulerSettings& settings) {
  const int cores = settings.cores();
  graph.dnnl_threads = settings.dnnl_threads > 0 ? settings.dnnl_threads : 1;
  graph.graph_threads = std::max(1, cores / graph.dnnl_threads);
}

std::unique_ptr<Scheduler> make_scheduler(const SchedulerSettings& settings) {
  if (settings.name == "sequential") return std::make_unique<SequentialScheduler>(settings);
  if (settings.name == "pipelined") return std::make_unique<PipelinedScheduler>(settings);
  if (settings.name == "gpipe") return std::make_unique<GPipeScheduler>(settings);
  if (settings.name == "async") return std::make_unique<AsyncScheduler>(settings);
  throw std::invalid_argument("unknown scheduler '" + settings.name + "' (choose from: " + scheduler_names() + ")");
}

std::string scheduler_names() { return "sequential, pipelined, gpipe, async"; }

}  // namespace pepita
