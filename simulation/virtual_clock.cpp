#include "simulation/virtual_clock.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace pepita {

// The outbox of one simulated visit: it routes what the visit sends by the graph's edges and keeps
// it until the visit ends in virtual time.
class VirtualClock::Recorder final : public Outbox {
 public:
  Recorder(const VirtualClock& clock, Running& visit) : clock_(clock), visit_(visit) {}
  void up(Message message) override {
    const std::vector<int>& targets = clock_.topology_.up_targets(visit_.node);
    const std::size_t bytes = clock_.message_bytes(visit_.node, false, message);
    for (int to : targets) visit_.sent.push_back({to, message, bytes});
  }
  void down(Message message) override {
    // The first stage's down exit leads nowhere: dropped, as oneTBB drops an unconnected port's.
    if (const std::optional<int> to = clock_.topology_.down_target(visit_.node))
      visit_.sent.push_back({*to, message, clock_.message_bytes(visit_.node, true, message)});
  }
  // The stage's edge back to its own queue: a message between two visits of one node never
  // crosses a link.
  void to_self(Message message) override { visit_.sent.push_back({visit_.node, std::move(message), 0}); }
  void report(BatchEvent event) override { visit_.reports.push_back(std::move(event)); }

 private:
  const VirtualClock& clock_;
  Running& visit_;
};

VirtualClock::VirtualClock(const GraphTopology& topology, Placement placement, std::shared_ptr<const CostModel> cost,
                           ClockSettings settings, VisitExecutor& executor)
    : topology_(topology),
      placement_(std::move(placement)),
      cost_(std::move(cost)),
      settings_(settings),
      executor_(executor),
      memory_(topology, settings.memory),
      waiting_(std::size_t(placement_.pool ? topology.size() : placement_.devices),
               DeviceQueue{std::multiset<Waiting, RunsBefore>(RunsBefore{&settings_.flow.order}), {}}),
      free_at_(waiting_.size(), 0.0),
      worker_free_at_(std::size_t(placement_.pool ? placement_.devices : 0), 0.0),
      busy_(std::size_t(placement_.devices), 0.0),
      static_bytes_(std::size_t(placement_.memories()), 0),
      held_bytes_(std::size_t(placement_.memories()), 0),
      layers_(std::size_t(topology.layers())),
      standard_done_(std::size_t(topology.layers())),
      versions_(std::size_t(topology.layers()), 0),
      awaiting_flush_(std::size_t(topology.layers())),
      interleave_(std::size_t(topology.size())) {
  require_valid_lags(settings_.flow.staleness, settings_.flow.in_flight, topology.layers());
  for (int n = 0; n < topology.size(); ++n)
    if (const TopologyNode& node = topology.node(n); node.kind == NodeKind::layer)
      interleave_[std::size_t(n)] = fixed_interleave_for(settings_.flow, topology.rule(), node.place);
  if (settings_.flow.in_flight < 1) throw std::invalid_argument("at least one batch must be in flight");
  handoff_ = cost_->handoff_seconds(topology);
  if (int(placement_.device_of.size()) != topology.size()) throw std::logic_error("a placement for another graph");
  for (int n = 0; n < topology.size(); ++n) static_bytes_[std::size_t(memory_of(n))] += memory_.static_bytes(n);
  peak_bytes_ = static_bytes_;
}

std::size_t VirtualClock::message_bytes(int from, bool down, const Message& message) const {
  const std::size_t features = down ? topology_.down_features(from) : topology_.up_features(from);
  // A recomputing rule's modulated pass carries the clean half too.
  const std::size_t halves = message.pass == Pass::modulated && topology_.edges().modulated_pass_recomputes_standard ? 2 : 1;
  return halves * std::size_t(message.batch->rows()) * features * sizeof(float);
}

std::size_t VirtualClock::train(std::span<const BatchHandle> batches, const std::function<bool()>& stop_requested) {
  batches_ = batches;
  next_ = 0;
  end_ = batches.size();
  tokens_ = settings_.flow.in_flight;
  stopping_ = false;
  stop_requested_ = stop_requested;
  for (std::optional<FixedInterleave>& gate : interleave_)
    if (gate) gate->begin_run(batches, Pass::standard);
  // The host starts and drains the graph around the call's visits; no device works meanwhile.
  now_ += cost_->round_seconds(topology_);
  admit(now_);  // the call's first batches: their hand-over is the round's
  for (;;) {
    while (start_visits()) {
    }
    // The next moment anything happens: a visit ends, or a message still on a link arrives.
    while (!arrivals_.empty() && arrivals_.top() <= now_) arrivals_.pop();
    double next = running_.empty() ? std::numeric_limits<double>::infinity() : running_.top().end;
    if (!arrivals_.empty()) next = std::min(next, arrivals_.top());
    if (std::isinf(next)) break;
    // Everything that ends at that moment ends together, in the order it started, before any
    // device chooses again: a device freed at t sees every message that arrived by t.
    now_ = next;
    while (!running_.empty() && running_.top().end == now_) {
      Running visit = running_.top();
      running_.pop();
      finish(visit);
    }
    admit(now_ + handoff_);  // the limiter hands the freed token's batch to the input
  }
  if (waiting_count_ > 0 || next_ < end_) {
    std::ostringstream message;
    message << "deadlock: " << waiting_count_ << " messages wait and " << end_ - next_
            << " batches were never admitted, yet no visit can start (a batch's layers never all updated it)";
    throw std::logic_error(message.str());
  }
  for (const auto& [batch, state] : in_flight_)
    if (state.updated != topology_.layers())
      throw std::logic_error("deadlock: batch " + std::to_string(batch) + " is updated by " + std::to_string(state.updated) + " of " +
                             std::to_string(topology_.layers()) + " layers, so the limiter never admits the batches behind it");
  const std::size_t trained = next_;
  for (std::size_t b = 0; b < trained; ++b) unflushed_.push_back(batches[b]->id);
  batches_ = {};
  stop_requested_ = {};
  return trained;
}

// The limiter admits the run's next batches while it holds tokens; an admitted batch is a
// message at the input node, behind anything sent there at the same moment.
void VirtualClock::admit(double at) {
  for (; tokens_ > 0 && next_ < end_ && !stopping_; ++next_, --tokens_) {
    const BatchHandle& batch = batches_[next_];
    in_flight_[batch->id] = {0, batch->rows()};
    enqueue({Message{Pass::standard, batch, TensorHandle{}}, at, 0, 0, -1, 0});
  }
}

// Starts what can start now: first every zero-cost visit (it takes no device time, so it runs
// whether or not its device is busy), then on each free device, in device order, its choice.
// Returns whether anything started.
bool VirtualClock::start_visits() {
  bool started = false;
  for (std::size_t i = 0; i < instant_.size();) {
    if (instant_[i].arrival > now_ || !may_start(instant_[i])) {
      ++i;
      continue;
    }
    Waiting taken = std::move(instant_[i]);
    instant_.erase(instant_.begin() + std::ptrdiff_t(i));
    start(std::move(taken));
    started = true;
    // A zero-cost visit ends now: deliver at once, so that what it sends can start in this moment.
    while (!running_.empty() && running_.top().end <= now_) {
      Running visit = running_.top();
      running_.pop();
      finish(visit);
    }
    i = 0;
  }
  if (placement_.pool) return start_on_pool() || started;
  for (int d = 0; d < placement_.devices; ++d) {
    DeviceQueue& queue = waiting_[std::size_t(d)];
    queue.take_arrivals(now_);
    if (free_at_[std::size_t(d)] > now_) continue;
    const auto taken = choice(queue);
    if (taken == queue.arrived.end()) continue;
    start(std::move(queue.arrived.extract(taken).value()));
    started = true;
  }
  return started;
}

bool VirtualClock::may_start(const Waiting& waiting) const {
  const std::optional<FixedInterleave>& gate = interleave_[std::size_t(waiting.node)];
  return !gate || gate->due(waiting.message);
}

std::multiset<VirtualClock::Waiting, VirtualClock::RunsBefore>::iterator VirtualClock::choice(DeviceQueue& queue) {
  // Without a gate the first is taken. With one, what the gate passes over is a layer's message
  // whose turn has not come; at most K of them per layer wait, so the scan stays short.
  auto it = queue.arrived.begin();
  while (it != queue.arrived.end() && !may_start(*it)) ++it;
  return it;
}

// Messages off the link by now join the arrived; in send order, so ties keep it.
void VirtualClock::DeviceQueue::take_arrivals(double now) {
  for (std::size_t i = 0; i < on_link.size();) {
    if (on_link[i].arrival > now) {
      ++i;
      continue;
    }
    arrived.insert(std::move(on_link[i]));
    on_link.erase(on_link.begin() + std::ptrdiff_t(i));
  }
}

// A pool: the free workers, lowest first, take the idle nodes that hold a message, in the order
// those messages arrived (sent, among equals). First come, first served is the simple reading of
// oneTBB's threads, which take whatever task is ready.
bool VirtualClock::start_on_pool() {
  ready_units_.clear();
  for (int unit = 0; unit < int(waiting_.size()); ++unit) {
    DeviceQueue& queue = waiting_[std::size_t(unit)];
    queue.take_arrivals(now_);
    if (free_at_[std::size_t(unit)] <= now_ && choice(queue) != queue.arrived.end()) ready_units_.push_back(unit);
  }
  const auto head = [this](int unit) -> const Waiting& { return *choice(waiting_[std::size_t(unit)]); };
  std::sort(ready_units_.begin(), ready_units_.end(), [&](int a, int b) {
    const Waiting &x = head(a), &y = head(b);
    return x.arrival != y.arrival ? x.arrival < y.arrival : x.sequence < y.sequence;
  });
  bool started = false;
  int worker = 0;
  for (int unit : ready_units_) {
    while (worker < placement_.devices && worker_free_at_[std::size_t(worker)] > now_) ++worker;
    if (worker == placement_.devices) break;
    DeviceQueue& queue = waiting_[std::size_t(unit)];
    start(std::move(queue.arrived.extract(choice(queue)).value()), worker);
    started = true;
  }
  return started;
}

void VirtualClock::enqueue(Waiting waiting) {
  waiting.sequence = sequence_++;
  waiting.duration = visit_cost(waiting.node, waiting.message.pass, waiting.message.batch->rows());
  if (waiting.duration < 0) throw std::logic_error("a cost model gave a negative visit time");
  if (waiting.arrival > now_) arrivals_.push(waiting.arrival);
  ++waiting_count_;
  if (waiting.duration == 0) instant_.push_back(std::move(waiting));
  else {
    waiting.stage = topology_.node(waiting.node).is_stage();
    DeviceQueue& queue = waiting_[std::size_t(unit_of(waiting.node))];
    if (waiting.arrival > now_) queue.on_link.push_back(std::move(waiting));
    else queue.arrived.insert(std::move(waiting));
  }
}

double VirtualClock::visit_cost(int node, Pass pass, int rows) {
  // 24 bits of node, 8 of pass, 32 of rows.
  const std::uint64_t key = (std::uint64_t(node) << 40) | (std::uint64_t(pass) << 32) | std::uint32_t(rows);
  if (const auto cached = cost_of_.find(key); cached != cost_of_.end()) return cached->second;
  const double seconds = cost_->visit_seconds(topology_, node, pass, rows);  // may throw: cache only answers
  cost_of_.emplace(key, seconds);
  return seconds;
}

// `worker`: the pool's worker that takes the visit (a zero-cost visit takes none and shows on 0).
void VirtualClock::start(Waiting taken, int worker) {
  --waiting_count_;
  if (std::optional<FixedInterleave>& gate = interleave_[std::size_t(taken.node)]) gate->ran(taken.message);
  const int device = placement_.pool ? worker : placement_.device_of[std::size_t(taken.node)];
  const double duration = taken.duration;
  Running visit{.end = now_ + duration, .sequence = sequence_++, .node = taken.node, .device = device, .sent = {}, .reports = {}};
  {
    Recorder out(*this, visit);
    executor_.visit(taken.node, taken.message, out);
  }
  if (duration > 0) {
    free_at_[std::size_t(unit_of(taken.node))] = visit.end;
    if (placement_.pool) worker_free_at_[std::size_t(worker)] = visit.end;
    busy_[std::size_t(device)] += duration;
  }
  ++visit_count_;
  // Memory: a hold begins with the batch's standard visit and ends with its learning visit.
  const std::int64_t change = memory_.on_visit(taken.node, taken.message.pass, taken.message.batch->id, taken.message.batch->rows());
  const auto memory = std::size_t(memory_of(taken.node));
  std::size_t& held = held_bytes_[memory];
  held = std::size_t(std::int64_t(held) + change);
  peak_bytes_[memory] = std::max(peak_bytes_[memory], static_bytes_[memory] + held);
  // Locking: when the batch's standard work at a layer ends, and at which weight version.
  const TopologyNode& node = topology_.node(taken.node);
  if (node.kind == NodeKind::layer && taken.message.pass == Pass::standard)
    standard_done_[std::size_t(node.place.index)][taken.message.batch->id] = {
        visit.end, versions_[std::size_t(node.place.index)], taken.message.hops + 1,
        int(topology_.rule().update_stages(topology_.layers(), node.place.index + 1).size())};
  for (const BatchEvent& report : visit.reports)
    if (report.layer >= 0) {
      if (settings_.flow.updates == UpdateMode::immediate) landed(report.layer, report.batch, taken.message.hops, visit.end);
      else awaiting_flush_[std::size_t(report.layer)].emplace_back(report.batch, taken.message.hops);
    }
  if (settings_.record_visits)
    visits_.push_back({.start = now_,
                       .end = visit.end,
                       .node = taken.node,
                       .device = device,
                       .pass = taken.message.pass,
                       .batch = taken.message.batch->id,
                       .hops = taken.message.hops,
                       .from = taken.from,
                       .updates = !visit.reports.empty()});
  running_.push(std::move(visit));
}

void VirtualClock::landed(int layer, std::uint64_t batch, std::uint32_t hops, double at) {
  auto& done = standard_done_[std::size_t(layer)];
  const auto found = done.find(batch);
  if (found == done.end()) throw std::logic_error("an update for a batch whose standard pass the layer never saw");
  SimulatedLayer& record = layers_[std::size_t(layer)];
  record.latency.push_back(at - found->second.at);
  record.latency_stages.push_back(hops + 1 - found->second.hops);
  record.staleness.push_back(versions_[std::size_t(layer)] - found->second.version);
  if (settings_.flow.updates == UpdateMode::immediate) ++versions_[std::size_t(layer)];
  if (--found->second.updates_left > 0) found->second.version = versions_[std::size_t(layer)];
  else done.erase(found);
}

void VirtualClock::finish(Running& visit) {
  for (Sent& sent : visit.sent) deliver(visit.node, visit.end, sent);
  for (const BatchEvent& report : visit.reports) {
    if (report.layer < 0) continue;
    const auto state = in_flight_.find(report.batch);
    if (state == in_flight_.end()) throw std::logic_error("an update for a batch that is not in flight");
    if (++state->second.updated < topology_.rule().updates_per_batch(topology_.layers())) continue;
    samples_ += state->second.rows;
    in_flight_.erase(state);
    executor_.completed(report.batch);
    ++tokens_;
    if (!stopping_ && stop_requested_ && stop_requested_()) stopping_ = true;
  }
}

void VirtualClock::deliver(int from, double at, Sent& sent) {
  double arrival = at + handoff_;
  if (!placement_.pool && placement_.device_of[std::size_t(from)] != placement_.device_of[std::size_t(sent.to)]) {
    arrival += settings_.link.seconds(sent.bytes);
    ++crossings_;
    crossing_bytes_ += sent.bytes;
  }
  enqueue({std::move(sent.message), arrival, 0, sent.to, from, 0});
}

VirtualClock::Totals VirtualClock::totals() const {
  return {.now = now_, .samples = samples_, .visits = visit_count_, .crossings = crossings_, .crossing_bytes = crossing_bytes_,
          .busy = busy_, .peak_bytes = peak_bytes_};
}

void VirtualClock::continue_from(const Totals& totals) {
  if (visit_count_ > 0) throw std::logic_error("a virtual clock continues from saved totals only before its first visit");
  if (totals.busy.size() != busy_.size() || totals.peak_bytes.size() != peak_bytes_.size())
    throw std::invalid_argument("the saved virtual clock counted " + std::to_string(totals.busy.size()) + " devices and " +
                                std::to_string(totals.peak_bytes.size()) + " memories, this run's " + std::to_string(busy_.size()) +
                                " and " + std::to_string(peak_bytes_.size()));
  if (!(totals.now >= 0) || totals.samples < 0 || totals.visits < 0 || totals.crossings < 0)
    throw std::invalid_argument("the saved virtual clock's totals are negative");
  now_ = totals.now;
  samples_ = totals.samples;
  visit_count_ = totals.visits;
  crossings_ = totals.crossings;
  crossing_bytes_ = totals.crossing_bytes;
  busy_ = totals.busy;
  for (std::size_t m = 0; m < peak_bytes_.size(); ++m) peak_bytes_[m] = std::max(peak_bytes_[m], totals.peak_bytes[m]);
}

void VirtualClock::flush_updates(int rows) {
  now_ += cost_->flush_seconds(topology_, rows);  // the updates land when the flush has applied them
  for (int l = 0; l < topology_.layers(); ++l) {
    for (const auto& [batch, hops] : awaiting_flush_[std::size_t(l)]) landed(l, batch, hops, now_);
    awaiting_flush_[std::size_t(l)].clear();
    ++versions_[std::size_t(l)];
  }
  flushes_.push_back({now_, std::move(unflushed_)});
  unflushed_.clear();
}

}  // namespace pepita
