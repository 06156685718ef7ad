#pragma once
// How a run is timed: on the host's clock (the flow graph on real threads), or on a virtual clock
// with simulated devices (simulation/simulation.hpp). `pepita train`'s --clock, --devices,
// --placement, --cost, --device-gflops, --profile, --link-latency, --link-bandwidth, --no-math.
#include <filesystem>
#include <string>

namespace pepita {

// Which clock a run is timed on.
enum class RunClock { host, virtual_devices };

struct SimulationSettings {
  RunClock clock = RunClock::host;
  bool on_virtual_clock() const { return clock == RunClock::virtual_devices; }
  int devices = 1;
  // contiguous, balanced, interleaved, pool, or a device per layer: 0,0,1,1. Empty: the clock's
  // default, contiguous for simulated devices and balanced for MPI ranks.
  std::string placement;
  std::string cost = "unit";             // unit, flops, measured
  double device_gflops = 100;            // the flops model's device rate
  std::filesystem::path profile;         // the measured model's profile (pepita calibrate)
  double link_latency_seconds = 0;
  double link_gigabytes_per_second = 0;  // 0: no bandwidth limit
  bool no_math = false;                  // shapes and messages only: nothing computed, no weights
  bool record_visits = true;             // keep every visit for a trace; off for speed at scale (not an option)
};

}  // namespace pepita
