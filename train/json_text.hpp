#pragma once
// The few pieces of JSON the reports write by hand: arrays of numbers, distributions; strings are
// data/json_string.hpp's, shared with simulation/.
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "data/json_string.hpp"  // json_string, which the reports use with these
#include "graph/layer_metrics.hpp"

namespace pepita {

template <class T>
std::string json_array(const std::vector<T>& values) {
  std::ostringstream out;
  out << std::setprecision(6) << '[';
  for (std::size_t i = 0; i < values.size(); ++i) out << (i ? ", " : "") << values[i];
  out << ']';
  return out.str();
}

inline std::string distribution_json(const Distribution& d) {
  std::ostringstream out;
  out << std::setprecision(6) << "{\"mean\": " << d.mean << ", \"p50\": " << d.p50 << ", \"p99\": " << d.p99
      << ", \"max\": " << d.max << "}";
  return out.str();
}

}  // namespace pepita
