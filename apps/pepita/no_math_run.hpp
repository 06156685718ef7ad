#pragma once
// `pepita train --clock virtual --no-math`: the schedule, times and memory of a configuration at
// any scale, with nothing computed. No data is read and no weight exists: the message model runs
// every visit (simulation/message_model.hpp) and the virtual clock times it.
#include <ostream>

#include "stop_signals.hpp"
#include "train_options.hpp"

namespace pepita::cli {

int train_without_math(const TrainRequest& request, const StopSignals& stop_signals, std::ostream& out);

}  // namespace pepita::cli
