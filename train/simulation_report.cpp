#include "train/simulation_report.hpp"

#include <algorithm>
#include <iomanip>
#include <numeric>
#include <sstream>

#include "train/json_text.hpp"

namespace pepita {

namespace {

struct Totals {
  double seconds = 0;
  double samples_per_second = 0;
  double bubble = 0;
  std::vector<double> busy_fraction;
};

Totals totals_of(const VirtualClock& clock) {
  Totals t;
  t.seconds = clock.now();
  const double devices = double(clock.device_busy().size());
  const double busy = std::accumulate(clock.device_busy().begin(), clock.device_busy().end(), 0.0);
  for (double b : clock.device_busy()) t.busy_fraction.push_back(t.seconds > 0 ? b / t.seconds : 0.0);
  if (t.seconds > 0) {
    t.samples_per_second = double(clock.samples()) / t.seconds;
    t.bubble = 1.0 - busy / (devices * t.seconds);
  }
  return t;
}

}  // namespace

std::string simulation_json_members(const Simulation& simulation, const std::string& indent) {
  const VirtualClock& clock = simulation.clock();
  const SimulationSettings& s = simulation.settings();
  const Totals t = totals_of(clock);
  const GraphTopology& topology = simulation.topology();
  std::ostringstream out;
  out << std::setprecision(9);
  out << indent << "\"clock\": \"virtual\",\n"
      << indent << "\"arithmetic\": " << (s.no_math ? "false" : "true") << ",\n"
      << indent << "\"cost\": " << json_string(s.cost) << ",\n"
      << indent << "\"time_unit\": " << json_string(clock.cost().time_unit()) << ",\n"
      << indent << "\"devices\": " << clock.placement().devices << ",\n"
      << indent << "\"placement\": " << json_string(describe_layers(topology, clock.placement())) << ",\n"
      << indent << "\"link_latency_seconds\": " << s.link_latency_seconds << ",\n"
      << indent << "\"link_gigabytes_per_second\": " << s.link_gigabytes_per_second << ",\n"
      << indent << "\"simulated_seconds\": " << t.seconds << ",\n"
      << indent << "\"simulated_samples\": " << clock.samples() << ",\n"
      << indent << "\"simulated_samples_per_second\": " << t.samples_per_second << ",\n"
      << indent << "\"bubble_fraction\": " << t.bubble << ",\n"
      << indent << "\"device_busy_fraction\": " << json_array(t.busy_fraction) << ",\n"
      << indent << "\"device_peak_bytes\": " << json_array(clock.device_peak_bytes()) << ",\n"
      << indent << "\"visits\": " << clock.visit_count() << ",\n"
      << indent << "\"messages_between_devices\": " << clock.messages_between_devices() << ",\n"
      << indent << "\"bytes_between_devices\": " << clock.bytes_between_devices() << ",\n"
      << indent << "\"layers\": [";
  for (int l = 0; l < topology.layers(); ++l) {
    const SimulatedLayer& layer = clock.layers()[std::size_t(l)];
    out << (l ? "," : "") << "\n" << indent << "  {\"name\": " << json_string(topology.node(topology.layer_node(l)).name)
        << ", \"device\": " << (clock.placement().pool ? -1 : clock.placement().device_of[std::size_t(topology.layer_node(l))])
        << ", \"updates\": " << layer.latency.size()
        << ",\n" << indent << "   \"locking_latency_seconds\": " << distribution_json(distribution_of(layer.latency))
        << ",\n" << indent << "   \"locking_latency_stages\": " << distribution_json(distribution_of(layer.latency_stages))
        << ",\n" << indent << "   \"staleness\": " << distribution_json(distribution_of(layer.staleness)) << "}";
  }
  out << "\n" << indent << "]";
  return out.str();
}

std::string simulation_text(const Simulation& simulation) {
  const VirtualClock& clock = simulation.clock();
  const Totals t = totals_of(clock);
  const std::string unit = clock.cost().time_unit() == "s" ? " s" : " visits";
  std::ostringstream out;
  out << std::setprecision(4) << "virtual clock (" << simulation.settings().cost << " cost, " << clock.placement().devices
      << " devices, placement " << describe_layers(simulation.topology(), clock.placement()) << "): " << clock.samples()
      << " samples in " << t.seconds << unit << ", " << t.samples_per_second << " samples per" << (unit == " s" ? " s" : " visit")
      << ", bubble " << t.bubble;
  return out.str();
}

std::string simulation_chrome_trace(const Simulation& simulation) {
  const VirtualClock& clock = simulation.clock();
  const GraphTopology& topology = simulation.topology();
  // Chrome traces count microseconds: seconds ×10⁶; a unit-cost visit as a millisecond.
  const double scale = clock.cost().time_unit() == "s" ? 1e6 : 1e3;
  std::ostringstream out;
  out << std::setprecision(12) << "{\"traceEvents\": [\n";
  out << R"(  {"name": "process_name", "ph": "M", "pid": 1, "args": {"name": )"
      << json_string("virtual clock (time unit: " + clock.cost().time_unit() + ")") << "}}";
  for (int d = 0; d < clock.placement().devices; ++d) {
    // A pool's workers take any node; a device holds its own.
    std::string nodes;
    for (int n = 0; n < topology.size() && !clock.placement().pool; ++n)
      if (clock.placement().device_of[std::size_t(n)] == d) nodes.append(nodes.empty() ? "" : ", ").append(topology.node(n).name);
    const std::string name = clock.placement().pool ? "worker " + std::to_string(d) : "device " + std::to_string(d) + ": " + nodes;
    out << ",\n" << R"(  {"name": "thread_name", "ph": "M", "pid": 1, "tid": )" << d << R"(, "args": {"name": )"
        << json_string(name) << "}}";
  }
  for (const SimulatedVisit& visit : clock.visits())
    out << ",\n" << R"(  {"name": )" << json_string(topology.node(visit.node).name + " " + to_string(visit.pass))
        << R"(, "ph": "X", "pid": 1, "tid": )" << visit.device << R"(, "ts": )" << visit.start * scale << R"(, "dur": )"
        << (visit.end - visit.start) * scale << R"(, "args": {"batch": )" << visit.batch << "}}";
  out << "\n]}\n";
  return out.str();
}

}  // namespace pepita
