#include "schedulers/dry_run.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "graph/flow_policy.hpp"

namespace pepita {

namespace {

// The node kinds TrainingGraph builds; each visit sends what the real node's receive() sends.
enum class NodeKind { input, layer, pool, error, projection };

struct Node {
  std::string name;
  NodeKind kind = NodeKind::input;
  LayerPlace place;  // layers only
};

// A message waiting in front of a node. A node's queue holds them in the order they were sent.
struct Waiting {
  Message message;
  int ready = 0;  // the first tick a node may take it: the tick after it was sent
  int from = -1;  // the sending node; -1: the limiter
};

constexpr const char* limiter_name = "limiter";

// The graph under unit cost. Nodes are numbered in graph order: 0 the input, 1…S the stages, S + 1
// the error node, S + 2 the projection (if the rule has one), so that a stage's "up" is the next
// number and its "down" the one before.
class DryRun {
 public:
  DryRun(const std::vector<StageSpec>& stages, const LearningRule& rule, const Scheduler& scheduler)
      : rule_(rule), flow_(scheduler.flow()), batches_per_update_(scheduler.batches_per_update()),
        batch_pool_([] { return BatchInfo{}; }) {
    // The same refusals as TrainingGraph's constructor.
    if (stages.empty()) throw std::invalid_argument("the graph needs stages");
    if (flow_.in_flight < 1) throw std::invalid_argument("at least one batch must be in flight");
    for (const StageSpec& stage : stages) layers_ += stage.learns();
    edges_ = rule.edges(layers_);
    nodes_.push_back({"input", NodeKind::input, {}});
    int layer = 0;
    for (std::size_t s = 0; s < stages.size(); ++s) {
      const int position = int(s) + 1;
      if (!stages[s].learns()) {
        nodes_.push_back({stage_node_name(stages[s], position, false), NodeKind::pool, {}});
      } else {
        const LayerPlace place{layer++, layers_};
        nodes_.push_back({stage_node_name(stages[s], position, place.is_output()), NodeKind::layer, place});
        layer_nodes_.push_back(int(nodes_.size()) - 1);
      }
      schedule_.stages.push_back(nodes_.back().name);
      if (stages[s].learns()) schedule_.layers.push_back(nodes_.back().name);
    }
    error_node_ = int(nodes_.size());
    nodes_.push_back({"error", NodeKind::error, {}});
    if (edges_.error_to_input_via_projection) {
      projection_node_ = int(nodes_.size());
      nodes_.push_back({"projection", NodeKind::projection, {}});
    }
    for (const Node& node : nodes_) schedule_.nodes.push_back(node.name);
    waiting_.resize(nodes_.size());
  }

  Schedule run(int batches) {
    if (batches < 0) throw std::invalid_argument("a schedule needs a number of batches >= 0");
    for (int b = 0; b < batches; ++b) {
      BatchHandle batch = batch_pool_.acquire();
      batch->id = std::uint64_t(b);
      batches_.push_back(std::move(batch));
      updates_.push_back(0);
    }
    // Immediate updates: one run of every batch. Deferred (GPipe's train()): a run per group, then
    // the flush, with the graph idle in between.
    const bool deferred = flow_.updates == UpdateMode::deferred;
    const int group = deferred ? std::max(1, batches_per_update_) : std::max(1, batches);
    int tick = 0;
    for (int first = 0; first < batches; first += group) {
      next_ = first;
      group_end_ = std::min(batches, first + group);
      tokens_ = flow_.in_flight;
      admit(tick);
      for (; anything_waiting(); ++tick) {
        for (int node = 0; node < int(nodes_.size()); ++node)
          if (std::optional<Waiting> taken = take(node, tick)) visit(node, *taken, tick);
        admit(tick + 1);
      }
      require_completed(first);
      if (deferred) {
        ScheduledFlush flush{.tick = tick, .batches = {}};
        for (int b = first; b < group_end_; ++b) flush.batches.push_back(std::uint64_t(b));
        schedule_.flushes.push_back(std::move(flush));
      }
    }
    schedule_.ticks = tick;
    return std::move(schedule_);
  }

 private:
  bool anything_waiting() const {
    return std::any_of(waiting_.begin(), waiting_.end(), [](const auto& queue) { return !queue.empty(); });
  }

  // The message a free node takes at `tick`. Stages sit behind a priority queue with the flow's
  // order: the message nothing else should run before, the earliest sent among equals (oneTBB's
  // heap breaks such ties its own way). The input, error and projection nodes queue what they
  // cannot take yet in oneTBB's FIFO buffer: first come, first served.
  std::optional<Waiting> take(int node, int tick) {
    std::vector<Waiting>& queue = waiting_[std::size_t(node)];
    const NodeKind kind = nodes_[std::size_t(node)].kind;
    const bool prioritised = (kind == NodeKind::layer || kind == NodeKind::pool) && flow_.order.runs_after;
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < queue.size(); ++i) {
      if (queue[i].ready > tick) continue;
      if (!best) {
        best = i;
        if (!prioritised) break;
      } else if (flow_.order.runs_after(queue[*best].message, queue[i].message)) {
        best = i;
      }
    }
    if (!best) return std::nullopt;
    Waiting taken = std::move(queue[*best]);
    queue.erase(queue.begin() + std::ptrdiff_t(*best));
    return taken;
  }

  void visit(int node, const Waiting& taken, int tick) {
    const Message& message = taken.message;
    require_first_visit(node, message);
    schedule_.visits.push_back({.tick = tick,
                                .node = nodes_[std::size_t(node)].name,
                                .pass = message.pass,
                                .batch = message.batch->id,
                                .hops = message.hops,
                                .from = taken.from < 0 ? limiter_name : nodes_[std::size_t(taken.from)].name,
                                .updates = false});
    bool updated = false;
    switch (nodes_[std::size_t(node)].kind) {
      case NodeKind::input: visit_input(message, tick); break;
      case NodeKind::layer: updated = visit_layer(node, message, tick); break;
      case NodeKind::pool: visit_pool(node, message, tick); break;
      case NodeKind::error: visit_error(message, tick); break;
      case NodeKind::projection: visit_projection(message, tick); break;
    }
    schedule_.visits.back().updates = updated;
  }

  // Nodes keep one state per batch and kind of message (a soma entry, an x, a workspace), and no
  // rule's path passes a node twice with the same kind: a second visit is a rule whose messages
  // go round in a cycle, which the real graph would run forever.
  void require_first_visit(int node, const Message& message) {
    if (visited_.insert({node, message.pass, message.batch->id}).second) return;
    throw std::logic_error("batch " + std::to_string(message.batch->id) + " comes to " + nodes_[std::size_t(node)].name +
                           " as a " + to_string(message.pass) + " message a second time: its messages go round in a cycle");
  }

  // InputNode: x up as the standard pass; x + F·e up as the modulated pass.
  void visit_input(const Message& message, int tick) {
    if (message.pass == Pass::standard) return send(1, Pass::standard, message, 0, tick);
    if (message.pass == Pass::feedback) return send(1, Pass::modulated, message, 0, tick);
    reject_message("the input node", message.pass);
  }

  // LayerNode: the standard pass goes up (after the rule's learning where it learns on it); every
  // learning signal goes to the rule, which says what the visit sends. Returns whether it updated.
  bool visit_layer(int node, const Message& message, int tick) {
    const Node& layer = nodes_[std::size_t(node)];
    if (message.pass == Pass::standard) {
      const bool updated = rule_.learns_on_standard_pass(layer.place) && react(node, message, tick);
      send(node + 1, Pass::standard, message, node, tick);
      return updated;
    }
    if (!is_learning_signal(message.pass)) reject_message(layer.name, message.pass);
    return react(node, message, tick);
  }

  // What LearningRule::learn sends for this message, by the rule's own account of it.
  bool react(int node, const Message& message, int tick) {
    const Node& layer = nodes_[std::size_t(node)];
    const LayerReaction reaction = rule_.reaction(message.pass, layer.place);
    if (!reaction.takes) reject_message(layer.name, message.pass);
    if (reaction.down) send_down(node, message, tick);
    if (reaction.updates) count_update(message.batch->id);
    if (reaction.sends_up()) send(node + 1, reaction.up, message, node, tick);
    return reaction.updates;
  }

  // PoolNode: either forward pass goes up pooled; a gradient goes down through the argmax.
  void visit_pool(int node, const Message& message, int tick) {
    if (message.pass == Pass::backward) return send_down(node, message, tick);
    if (message.pass == Pass::standard || message.pass == Pass::modulated)
      return send(node + 1, message.pass, message, node, tick);
    reject_message(nodes_[std::size_t(node)].name, message.pass);
  }

  // ErrorNode: e to the projection and to the layers the rule's edges name, all from one port.
  void visit_error(const Message& message, int tick) {
    if (message.pass != Pass::standard) reject_message("the error node", message.pass);
    if (projection_node_) send(*projection_node_, Pass::error, message, error_node_, tick);
    for (int l : edges_.error_to_layers) send(layer_nodes_.at(std::size_t(l)), Pass::error, message, error_node_, tick);
  }

  // ProjectionNode: F·e back to the input.
  void visit_projection(const Message& message, int tick) {
    if (message.pass != Pass::error) reject_message("the projection", message.pass);
    send(0, Pass::feedback, message, *projection_node_, tick);
  }

  // A gradient to the stage below. The graph connects a stage's down port only when the rule sends
  // gradients down, and the first stage's never: oneTBB drops what goes out of an unconnected port.
  void send_down(int node, const Message& message, int tick) {
    if (edges_.gradients_down && node > 1) send(node - 1, Pass::backward, message, node, tick);
  }

  void send(int to, Pass pass, const Message& from, int from_node, int tick) {
    waiting_[std::size_t(to)].push_back({next_message(pass, from, TensorHandle{}), tick + 1, from_node});
  }

  // CompletionNode: a batch is complete when all L layers have updated it, and its token returns.
  void count_update(std::uint64_t batch) {
    if (++updates_.at(std::size_t(batch)) == layers_) ++tokens_;
  }

  // The limiter admits the group's next batches while it holds tokens. Completion and limiter cost
  // nothing: a token returned by a visit at tick t admits a batch the input can take at t + 1, the
  // same tick as a message sent at t. In the real graph the token can even come back before the
  // updating visit has ended (the event leaves inside it); at unit cost nothing is faster than a
  // tick. Admitted batches queue behind anything sent to the input in the same tick, since the
  // token travels two hand-offs (completion, limiter) further than a direct message.
  void admit(int ready) {
    for (; tokens_ > 0 && next_ < group_end_; ++next_, --tokens_)
      waiting_[0].push_back({Message{Pass::standard, batches_[std::size_t(next_)], TensorHandle{}}, ready, -1});
  }

  // The graph has drained: every batch of the run must be complete, or its token never returned
  // and the batches behind it were never admitted.
  void require_completed(int first) const {
    for (int b = first; b < group_end_; ++b) {
      const int updates = updates_[std::size_t(b)];
      if (updates == layers_) continue;
      std::ostringstream message;
      message << "deadlock: batch " << b << " is updated by " << updates << " of " << layers_
              << " layers, so the limiter never admits the batches behind it";
      throw std::logic_error(message.str());
    }
  }

  const LearningRule& rule_;
  FlowPolicy flow_;
  int batches_per_update_;
  int layers_ = 0;
  RuleEdges edges_;
  std::vector<Node> nodes_;
  std::vector<int> layer_nodes_;  // node numbers of the learning layers
  int error_node_ = 0;
  std::optional<int> projection_node_;
  std::vector<std::vector<Waiting>> waiting_;  // per node
  // Real batches, so that the flow's order compares real messages with the very function the
  // stages' priority queues call.
  BatchPool batch_pool_;
  std::vector<BatchHandle> batches_;
  std::vector<int> updates_;  // per batch: layers that have updated it
  std::set<std::tuple<int, Pass, std::uint64_t>> visited_;  // (node, pass, batch) so far
  int tokens_ = 0;
  int next_ = 0;              // the next batch the limiter admits
  int group_end_ = 0;         // the end of the batches this run admits
  Schedule schedule_;
};

// The one table of the letters a cell shows for each pass.
struct PassLetter {
  Pass pass;
  char letter;
};
constexpr PassLetter pass_letters[] = {{Pass::standard, 'S'}, {Pass::modulated, 'M'}, {Pass::error, 'E'},
                                       {Pass::feedback, 'F'}, {Pass::backward, 'B'}, {Pass::evaluate, 'V'}};

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

Schedule dry_run(const std::vector<StageSpec>& stages, const LearningRule& rule, const Scheduler& scheduler,
                 int batches) {
  return DryRun(stages, rule, scheduler).run(batches);
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
