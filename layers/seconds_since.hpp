#pragma once
// Elapsed wall time on the steady clock, in seconds: how every duration reported here is taken
// (the steady clock, since the system clock may jump during a run).
#include <chrono>

namespace pepita {

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace pepita
