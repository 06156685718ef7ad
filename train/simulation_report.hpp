#pragma once
// What a run on the virtual clock reports, in virtual time: the --summary JSON's simulated keys,
// a line of text, and the Chrome trace with one track per device.
#include <string>

#include "simulation/simulation.hpp"

namespace pepita {

// The summary's "simulation" members, as `"key": value` lines (no braces), in virtual time:
// simulated_seconds, simulated_samples_per_second, bubble_fraction, per device
// device_busy_fraction and device_peak_bytes, per layer locking latency and staleness, and what
// crossed between devices.
std::string simulation_json_members(const Simulation& simulation, const std::string& indent);

// One line: simulated time, throughput and bubble.
std::string simulation_text(const Simulation& simulation);

// A Chrome trace (Perfetto) in virtual time: one track per device, a slice per visit. Unit cost
// draws one visit as one millisecond.
std::string simulation_chrome_trace(const Simulation& simulation);

}  // namespace pepita
