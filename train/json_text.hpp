#pragma once
// The few pieces of JSON the reports write by hand: strings, arrays of numbers, distributions.
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "graph/layer_metrics.hpp"

namespace pepita {

inline std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

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
