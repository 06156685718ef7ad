#include "simulation/placement.hpp"

#include <sstream>
#include <stdexcept>

namespace pepita {

namespace {

std::vector<int> layer_devices(int layers, int devices, const std::string& placement) {
  std::vector<int> device(std::size_t(layers), 0);
  if (placement.empty() || placement == "contiguous") {
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
      throw std::invalid_argument("--placement: '" + item + "' is not a device number (give contiguous, interleaved, pool, or one device per layer: 0,0,1,1)");
    if (d < 0 || d >= devices)
      throw std::invalid_argument("--placement: device " + item + " is not one of the " + std::to_string(devices) + " devices (0…" +
                                  std::to_string(devices - 1) + ")");
    if (l < device.size()) device[l] = d;
    ++l;
  }
  if (l != device.size())
    throw std::invalid_argument("--placement lists " + std::to_string(l) + " devices for " + std::to_string(layers) + " learning layers");
  return device;
}

}  // namespace

Placement place_nodes(const GraphTopology& topology, int devices, const std::string& placement) {
  const int layers = topology.layers();
  if (devices < 1) throw std::invalid_argument("--devices must be at least 1");
  if (placement == "pool") return Placement{devices, std::vector<int>(std::size_t(topology.size()), 0), true};
  if (devices > layers)
    throw std::invalid_argument("--devices " + std::to_string(devices) + " is more than the model's " + std::to_string(layers) +
                                " learning layers: a device would hold nothing");
  const std::vector<int> device = layer_devices(layers, devices, placement);
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
    if (!used[std::size_t(d)]) throw std::invalid_argument("--placement leaves device " + std::to_string(d) + " without a layer");
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
