#pragma once
// A span's values copied out: the tests keep weights or activity as they were before a step
// changes them in place.
#include <span>
#include <vector>

namespace pepita::testing {

inline std::vector<float> copy_of(std::span<const float> values) { return {values.begin(), values.end()}; }

}  // namespace pepita::testing
