#include "schedulers/dry_run.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "graph/flow_policy.hpp"
#include "simulation/message_model.hpp"
#include "simulation/virtual_clock.hpp"

namespace pepita {

namespace {

// The dry run's graph has no real input or classes: shapes only matter to the cost, and every
// visit costs one tick. MNIST's input and ten classes make any model spec parse.
constexpr ImageShape dry_run_input{1, 28, 28};
constexpr int dry_run_classes = 10;
constexpr const char* limiter_name = "limiter";

Schedule schedule_of(const GraphTopology& topology, const VirtualClock& clock) {
  Schedule schedule;
  for (const TopologyNode& node : topology.nodes()) {
    schedule.nodes.push_back(node.name);
    if (node.is_stage()) schedule.stages.push_back(node.name);
    if (node.kind == NodeKind::layer) schedule.layers.push_back(node.name);
  }
  for (const SimulatedVisit& visit : clock.visits())
    schedule.visits.push_back({.tick = int(visit.start),
                               .node = topology.node(visit.node).name,
                               .pass = visit.pass,
                               .batch = visit.batch,
                               .hops = visit.hops,
                               .from = visit.from < 0 ? limiter_name : topology.node(visit.from).name,
                               .updates = visit.updates});
  for (const SimulatedFlush& flush : clock.flushes()) schedule.flushes.push_back({int(flush.time), flush.batches});
  schedule.ticks = int(clock.now());
  return schedule;
}

// The one table of the letters a cell shows for each pass.
struct PassLetter {
  Pass pass;
  char letter;
};
constexpr PassLetter pass_letters[] = {{Pass::standard, 'S'}, {Pass::modulated, 'M'}, {Pass::error, 'E'},
                                       {Pass::feedback, 'F'}, {Pass::backward, 'B'}, {Pass::weight, 'W'}, {Pass::mirror, 'R'},
                                       {Pass::evaluate, 'V'}};

char pass_letter(Pass pass) {
  for (const auto& [known, letter] : pass_letters)
    if (known == pass) return letter;
  throw std::logic_error(std::string("no schedule letter for the ") + to_string(pass) + " pass");
}

constexpr const char* idle_cell = "·";

// Pads to `width` columns of the terminal: UTF-8 continuation bytes take none (the idle dot).
std::string padded(const std::string& text, std::size_t width) {
  const std::size_t columns =
      std::size_t(std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
  return text + std::string(width > columns ? width - columns : 0, ' ');
}

std::string joined(const std::vector<std::uint64_t>& batches) {
  std::string text;
  for (std::uint64_t b : batches) text.append(text.empty() ? "" : " ").append(std::to_string(b));
  return text;
}

}  // namespace

// The graph under unit cost with every node its own serial unit: the virtual clock with one
// device per node, each visit one tick (the input, error and projection included), the message
// model sending what the real nodes send, and the scheduler's own train() (GPipe's groups and flushes).
Schedule dry_run(const std::vector<StageSpec>& stages, const LearningRule& rule, const Scheduler& scheduler,
                 int batches) {
  if (batches < 0) throw std::invalid_argument("a schedule needs a number of batches >= 0");
  const GraphTopology topology(stages, dry_run_input, dry_run_classes, rule, scheduler.flow().backward);
  MessageModel model(topology);
  VirtualClock clock(topology, device_per_node(topology), std::make_shared<UnitCost>(/*auxiliary_cost=*/1.0),
                     ClockSettings{.flow = scheduler.flow()}, model);
  BatchPool pool([] { return BatchInfo{}; });
  std::vector<BatchHandle> all;
  for (int b = 0; b < batches; ++b) {
    all.push_back(pool.acquire());
    all.back()->id = std::uint64_t(b);
  }
  scheduler.train(clock, all, {});
  return schedule_of(topology, clock);
}

std::string visit_cell(const ScheduledVisit& visit) { return pass_letter(visit.pass) + std::to_string(visit.batch); }

std::string schedule_grid(const Schedule& schedule) {
  std::map<std::string, std::size_t> row;
  for (std::size_t r = 0; r < schedule.nodes.size(); ++r) row[schedule.nodes[r]] = r;
  const std::size_t ticks = std::size_t(schedule.ticks);
  std::vector<std::vector<std::string>> cells(schedule.nodes.size(), std::vector<std::string>(ticks, idle_cell));
  std::size_t width = std::to_string(ticks > 0 ? ticks - 1 : 0).size();
  std::vector<bool> used(std::size(pass_letters), false);
  for (const ScheduledVisit& visit : schedule.visits) {
    std::string& cell = cells.at(row.at(visit.node)).at(std::size_t(visit.tick));
    cell = visit_cell(visit);
    width = std::max(width, cell.size());
    for (std::size_t p = 0; p < std::size(pass_letters); ++p) used[p] = used[p] || pass_letters[p].pass == visit.pass;
  }
  std::size_t label_width = std::string("tick").size();
  for (const std::string& node : schedule.nodes) label_width = std::max(label_width, node.size());
  // A flush's bar stands before the column of the tick the next group enters at.
  std::vector<bool> bar_before(ticks + 1, false);
  for (const ScheduledFlush& flush : schedule.flushes) bar_before.at(std::size_t(flush.tick)) = true;

  std::ostringstream out;
  const auto line = [&](const std::string& label, const auto& cell_at) {
    std::string text = padded(label, label_width);
    for (std::size_t t = 0; t < ticks; ++t) text += (bar_before[t] ? " | " : " ") + padded(cell_at(t), width);
    if (bar_before[ticks]) text += " |";
    text.erase(text.find_last_not_of(' ') + 1);
    out << text << '\n';
  };
  line("tick", [](std::size_t t) { return std::to_string(t); });
  for (std::size_t r = 0; r < schedule.nodes.size(); ++r)
    line(schedule.nodes[r], [&](std::size_t t) { return cells[r][t]; });
  std::string legend;
  for (std::size_t p = 0; p < std::size(pass_letters); ++p)
    if (used[p]) legend.append(legend.empty() ? "" : ", ").append(1, pass_letters[p].letter).append(" ").append(to_string(pass_letters[p].pass));
  out << legend << (legend.empty() ? "" : "; ") << idle_cell << " idle"
      << (schedule.flushes.empty() ? "" : "; | flush: the group's summed updates reach the weights") << '\n';
  return out.str();
}

std::string schedule_actions(const Schedule& schedule) {
  std::ostringstream out;
  auto visit = schedule.visits.begin();
  auto flush = schedule.flushes.begin();
  for (int t = 0; t <= schedule.ticks; ++t) {
    for (; flush != schedule.flushes.end() && flush->tick == t; ++flush) out << "flush: batches " << joined(flush->batches) << '\n';
    if (t == schedule.ticks) break;
    out << 't' << t << ':';
    const char* separator = " ";
    bool idle = true;
    for (; visit != schedule.visits.end() && visit->tick == t; ++visit, separator = " | ", idle = false)
      out << separator << visit->node << ' ' << visit_cell(*visit);
    out << (idle ? " idle" : "") << '\n';
  }
  return out.str();
}

}  // namespace pepita
