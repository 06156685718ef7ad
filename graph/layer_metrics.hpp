#pragma once
// What a layer records about each update: how long the batch held the layer (update-locking
// latency, in seconds and in stages) and how many other updates reached W in between (staleness).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace pepita {

struct LayerMetrics {
  std::vector<double> latency_seconds;       // end of the standard work → update applied
  std::vector<std::uint32_t> latency_stages; // node visits on the batch's own path in between
  std::vector<std::uint64_t> staleness;      // updates to W between the standard pass and this update
  std::size_t peak_soma_bytes = 0;
  std::size_t peak_dendrite_bytes = 0;
  std::size_t peak_stash_bytes = 0;
  // With --check-weights: the learning passes whose W was compared with the W their batch's
  // standard pass saw, how many computed with other weights (none may under --weights stash), and
  // the largest difference, relative to the largest |W|.
  std::uint64_t weight_checks = 0;
  std::uint64_t weight_mismatches = 0;
  double largest_weight_difference = 0;
};

struct Distribution {
  double mean = 0, p50 = 0, p99 = 0, max = 0;
};

template <class T>
Distribution distribution_of(std::vector<T> values) {
  Distribution d;
  if (values.empty()) return d;
  std::sort(values.begin(), values.end());
  double sum = 0;
  for (T v : values) sum += double(v);
  auto at = [&](double q) { return double(values[std::min(values.size() - 1, std::size_t(q * double(values.size() - 1) + 0.5))]); };
  d.mean = sum / double(values.size());
  d.p50 = at(0.5);
  d.p99 = at(0.99);
  d.max = double(values.back());
  return d;
}

}  // namespace pepita
