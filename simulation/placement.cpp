#include "simulation/placement.hpp"

#include <algorithm>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace pepita {

namespace {

// Consecutive runs of layers, one per device, whose costliest run costs as little as it can: the
// classic linear partition, by dynamic programming over (layers placed, devices used).
std::vector<int> balanced_devices(const std::vector<double>& cost, int devices) {
  const int layers = int(cost.size());
  std::vector<double> prefix(std::size_t(layers) + 1, 0);
  for (int l = 0; l < layers; ++l) prefix[std::size_t(l) + 1] = prefix[std::size_t(l)] + cost[std::size_t(l)];
  const double none = std::numeric_limits<double>::infinity();
  // best[d][n]: the least largest run for the first n layers on d devices; cut[d][n]: where its last run starts.
  std::vector<std::vector<double>> best(std::size_t(devices) + 1, std::vector<double>(std::size_t(layers) + 1, none));
  std::vector<std::vector<int>> cut(std::size_t(devices) + 1, std::vector<int>(std::size_t(layers) + 1, 0));
  best[0][0] = 0;
  for (int d = 1; d <= devices; ++d)
    for (int n = d; n <= layers; ++n)
      for (int start = d - 1; start < n; ++start) {
        const double run = prefix[std::size_t(n)] - prefix[std::size_t(start)];
        const double worst = std::max(best[std::size_t(d - 1)][std::size_t(start)], run);
        if (worst < best[std::size_t(d)][std::size_t(n)]) best[std::size_t(d)][std::size_t(n)] = worst, cut[std::size_t(d)][std::size_t(n)] = start;
      }
  std::vector<int> device(std::size_t(layers), 0);
  for (int d = devices, n = layers; d >= 1; n = cut[std::size_t(d)][std::size_t(n)], --d)
    for (int l = cut[std::size_t(d)][std::size_t(n)]; l < n; ++l) device[std::size_t(l)] = d - 1;
  return device;
}

std::vector<int> layer_devices(const GraphTopology& topology, int devices, const std::string& placement,
                               const std::string& unit) {
  const int layers = topology.layers();
  std::vector<int> device(std::size_t(layers), 0);
  if (placement == "balanced") {
    std::vector<double> cost;  // multiply-adds per sample of one pass: a layer's share of every pass
    for (int l = 0; l < layers; ++l) {
      const TopologyNode& node = topology.node(topology.layer_node(l));
      cost.push_back(double(node.weights) * double(node.positions));
    }
    return balanced_devices(cost, devices);
  }
  if (placement == "contiguous") {
    for (int l = 0, d = 0, taken = 0; l < layers; ++l) {
      const int share = layers / devices + (d < layers % devices ? 1 : 0);
      device[std::size_t(l)] = d;
      if (++taken == share) ++d, taken = 0;
    }
    return device;
  }
  if (placement == "interleaved") {
    for (int l = 0; l < layers; ++l) device[std::size_t(l)] = l % devices;
    return device;
  }
  std::istringstream in(placement);
  std::string item;
  std::size_t l = 0;
  while (std::getline(in, item, ',')) {
    std::size_t used = 0;
    int d = -1;
    try {
      d = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size())
      throw std::invalid_argument("--placement: '" + item + "' is not a " + unit + " number (give contiguous, balanced, interleaved, pool, or one " + unit + " per layer: 0,0,1,1)");
    if (d < 0 || d >= devices)
      throw std::invalid_argument("--placement: " + unit + " " + item + " is not one of the " + std::to_string(devices) + " " + unit + "s (0…" +
                                  std::to_string(devices - 1) + ")");
    if (l < device.size()) device[l] = d;
    ++l;
  }
  if (l != device.size())
    throw std::invalid_argument("--placement lists " + std::to_string(l) + " " + unit + "s for " + std::to_string(layers) + " learning layers");
  return device;
}

}  // namespace

Placement place_nodes(const GraphTopology& topology, int devices, const std::string& given, const std::string& fallback,
                      const std::string& unit) {
  const std::string& placement = given.empty() ? fallback : given;
  const int layers = topology.layers();
  if (devices < 1) throw std::invalid_argument("at least 1 " + unit + " is needed");
  if (placement == "pool") return Placement{devices, std::vector<int>(std::size_t(topology.size()), 0), true};
  if (devices > layers)
    throw std::invalid_argument(std::to_string(devices) + " " + unit + "s are more than the model's " + std::to_string(layers) +
                                " learning layers: a " + unit + " would hold nothing");
  const std::vector<int> device = layer_devices(topology, devices, placement, unit);
  Placement placed{devices, std::vector<int>(std::size_t(topology.size()), 0)};
  int current = device.front();
  for (int n = 1; n <= topology.stages(); ++n) {
    const TopologyNode& node = topology.node(n);
    if (node.kind == NodeKind::layer) current = device[std::size_t(node.place.index)];
    placed.device_of[std::size_t(n)] = current;  // a pool stays with the layer before it
  }
  placed.device_of[0] = device.front();
  placed.device_of[std::size_t(topology.error_node())] = device.back();
  if (topology.projection_node()) placed.device_of[std::size_t(*topology.projection_node())] = device.back();
  std::vector<bool> used(std::size_t(devices), false);
  for (int d : device) used[std::size_t(d)] = true;
  for (int d = 0; d < devices; ++d)
    if (!used[std::size_t(d)]) throw std::invalid_argument("--placement leaves " + unit + " " + std::to_string(d) + " without a layer");
  return placed;
}

Placement device_per_node(const GraphTopology& topology) {
  Placement placed{topology.size(), {}};
  for (int n = 0; n < topology.size(); ++n) placed.device_of.push_back(n);
  return placed;
}

std::string describe_layers(const GraphTopology& topology, const Placement& placement) {
  if (placement.pool) return "pool";
  std::string text;
  for (int l = 0; l < topology.layers(); ++l)
    text.append(l ? "," : "").append(std::to_string(placement.device_of[std::size_t(topology.layer_node(l))]));
  return text;
}

}  // namespace pepita
