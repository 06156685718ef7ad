#pragma once
// The training graph on a virtual clock: a discrete-event simulation of the graph's nodes on
// simulated devices. Each node sits on a device (simulation/placement.hpp); a device runs one visit
// at a time; a visit starts in virtual time once its message has arrived and its device is free,
// and lasts what the cost model says. Among the messages waiting at a device's nodes, the one the
// scheduler's MessageOrder prefers runs first (the very comparison the stages' priority queues
// use), the earliest sent among equals. A message crossing devices arrives after the link's cost.
// In a pool (--placement pool) every node is its own serial unit and D workers take the ready
// nodes in the order their next messages arrived, as ready tasks reach a host's threads.
// The limiter's tokens, the completion of a batch (all L layers updated) and GPipe's groups and
// flushes are simulated as the real graph does them. Under `--staleness fixed` each layer also
// keeps the real layer node's gate (graph/fixed_interleave.hpp): a message that is not due yet is
// passed over by its device, as the real node holds it, so the simulated order of every layer's
// visits is the fixed one.
//
// The visits themselves are run by a VisitExecutor, one at a time, in order of virtual start: the
// real nodes (TrainingGraph::visit: the arithmetic runs, only time is simulated) or the message
// model (`--no-math`). Nothing here depends on the host's threads, so a run is deterministic.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <memory>
#include <queue>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "graph/batch_runner.hpp"
#include "graph/fixed_interleave.hpp"
#include "graph/flow_policy.hpp"
#include "simulation/cost_model.hpp"
#include "simulation/memory_model.hpp"
#include "simulation/placement.hpp"
#include "simulation/topology.hpp"
#include "simulation/visit_executor.hpp"

namespace pepita {

struct SimulatedVisit {
  double start = 0, end = 0;
  int node = 0;
  int device = 0;
  Pass pass = Pass::standard;
  std::uint64_t batch = 0;
  std::uint32_t hops = 0;
  int from = -1;         // the sending node; -1: the limiter
  bool updates = false;  // a layer reported its update for the batch
};

struct SimulatedFlush {
  double time = 0;
  std::vector<std::uint64_t> batches;
};

// Per learning layer, over the run: the update-locking latency (end of the batch's standard visit
// → its update landing, in virtual time), in stages (the message's logical clock), and staleness.
struct SimulatedLayer {
  std::vector<double> latency;
  std::vector<std::uint32_t> latency_stages;
  std::vector<std::uint64_t> staleness;
};

struct ClockSettings {
  FlowPolicy flow{};
  LinkModel link{};
  MemorySettings memory{};
  bool record_visits = true;   // keep every visit (traces, schedules); off for speed at scale
};

class VirtualClock final : public BatchRunner {
 public:
  VirtualClock(const GraphTopology& topology, Placement placement, std::shared_ptr<const CostModel> cost,
               ClockSettings settings, VisitExecutor& executor);

  // Trains `batches` from the current virtual time until the graph drains. After every completed
  // batch it asks `stop_requested` (if given); once it answers true the batches not yet admitted
  // are withdrawn. Returns how many were trained: a prefix of `batches`.
  std::size_t train(std::span<const BatchHandle> batches, const std::function<bool()>& stop_requested) override;
  // GPipe's flush: the updates of the batches trained since the last flush land now (their
  // locking latency ends here). The clock keeps time only: the real layers flush themselves.
  void flush_updates(int rows) override;

  // The run's running sums, which its figures are made of: a checkpoint keeps them, so that a resumed
  // run continues its virtual time instead of starting at 0. (The per-layer locking and staleness
  // samples are not kept: after a resume they cover the part after it.)
  struct Totals {
    double now = 0;
    std::int64_t samples = 0, visits = 0, crossings = 0;
    std::size_t crossing_bytes = 0;
    std::vector<double> busy;            // per device or worker
    std::vector<std::size_t> peak_bytes;  // per memory
  };
  Totals totals() const;
  // Continues from a checkpoint's totals. Call before the first batch; throws std::invalid_argument
  // when they count other devices than this placement's.
  void continue_from(const Totals& totals);

  double now() const { return now_; }
  std::int64_t samples() const { return samples_; }
  std::int64_t visit_count() const { return visit_count_; }
  const std::vector<SimulatedVisit>& visits() const { return visits_; }
  const std::vector<SimulatedFlush>& flushes() const { return flushes_; }
  const std::vector<SimulatedLayer>& layers() const { return layers_; }
  // Per device (a pool's worker): the virtual time it spent in visits. Per device (a pool's one
  // memory): the most bytes its nodes held at once.
  const std::vector<double>& device_busy() const { return busy_; }
  const std::vector<std::size_t>& device_peak_bytes() const { return peak_bytes_; }
  std::int64_t messages_between_devices() const { return crossings_; }
  std::size_t bytes_between_devices() const { return crossing_bytes_; }
  const Placement& placement() const { return placement_; }
  const GraphTopology& topology() const { return topology_; }
  const CostModel& cost() const { return *cost_; }
  const ClockSettings& settings() const { return settings_; }

 private:
  struct Waiting {
    Message message;
    double arrival = 0;
    std::uint64_t sequence = 0;  // send order: ties between equals go to the earliest sent
    int node = 0;
    int from = -1;
    double duration = 0;  // the visit's cost, known once the message is addressed
    bool stage = false;   // at a layer or pool, where the scheduler's order applies
  };
  // Which of two arrived messages a device takes first: the input's, error's and projection's
  // (first come, first served, as oneTBB's buffers serve them) before a stage's; between stages,
  // the one the scheduler's MessageOrder prefers; the earliest sent among equals. A strict weak
  // order, since every MessageOrder is one, so a device finds its choice in O(log n) at any scale.
  struct RunsBefore {
    const MessageOrder* order;
    bool operator()(const Waiting& a, const Waiting& b) const {
      if (a.stage != b.stage) return !a.stage;
      if (a.stage && order->runs_after) {
        if (order->runs_after(b.message, a.message)) return true;
        if (order->runs_after(a.message, b.message)) return false;
      }
      return a.sequence < b.sequence;
    }
  };
  struct DeviceQueue {
    std::multiset<Waiting, RunsBefore> arrived;
    std::vector<Waiting> on_link;  // sent, still travelling
    void take_arrivals(double now);
  };
  // The arrived message a free unit takes: the first in its order that its node's fixed interleave
  // lets run now (every one, without the gate); end() when none may.
  std::multiset<Waiting, RunsBefore>::iterator choice(DeviceQueue& queue);
  bool may_start(const Waiting& waiting) const;
  struct Sent {
    int to = 0;
    Message message;
    std::size_t bytes = 0;
  };
  struct Running {
    double end = 0;
    std::uint64_t sequence = 0;
    int node = 0;
    int device = 0;
    std::vector<Sent> sent;
    std::vector<BatchEvent> reports;
    bool operator>(const Running& other) const { return end != other.end ? end > other.end : sequence > other.sequence; }
  };
  class Recorder;

  void admit(double at);
  bool start_visits();
  void enqueue(Waiting waiting);
  bool start_on_pool();
  void start(Waiting taken, int worker = 0);
  // The serial unit whose queue holds a node's messages: its device, or in a pool the node itself.
  int unit_of(int node) const { return placement_.pool ? node : placement_.device_of[std::size_t(node)]; }
  int memory_of(int node) const { return placement_.pool ? 0 : placement_.device_of[std::size_t(node)]; }
  void finish(Running& visit);
  void deliver(int from, double at, Sent& sent);
  void landed(int layer, std::uint64_t batch, std::uint32_t hops, double at);
  std::size_t message_bytes(int from, bool down, const Message& message) const;

  const GraphTopology& topology_;
  Placement placement_;
  std::shared_ptr<const CostModel> cost_;
  ClockSettings settings_;
  VisitExecutor& executor_;
  MemoryModel memory_;

  double now_ = 0;
  std::uint64_t sequence_ = 0;
  std::vector<DeviceQueue> waiting_;  // per serial unit: the messages not yet taken
  std::vector<Waiting> instant_;               // zero-cost visits, which need no device: in send order
  std::size_t waiting_count_ = 0;
  std::priority_queue<double, std::vector<double>, std::greater<>> arrivals_;  // future arrivals on links
  // A visit's cost depends only on (node, pass, rows): asked of the cost model once per triple, since
  // a measured model looks it up by a key it builds as text.
  std::unordered_map<std::uint64_t, double> cost_of_;
  double handoff_ = 0;  // every message's hand-over, the cost model's
  double visit_cost(int node, Pass pass, int rows);
  std::priority_queue<Running, std::vector<Running>, std::greater<>> running_;
  std::vector<double> free_at_;         // per serial unit
  std::vector<double> worker_free_at_;  // per worker of a pool
  std::vector<double> busy_;            // per device, or per worker of a pool
  std::vector<std::size_t> static_bytes_, held_bytes_, peak_bytes_;  // per memory
  std::vector<int> ready_units_;        // a pool's scratch list
  // The batches of the current run, and where admission stands.
  std::span<const BatchHandle> batches_;
  std::size_t next_ = 0, end_ = 0;
  int tokens_ = 0;
  struct InFlight {
    int updated = 0;  // layers that have updated the batch
    int rows = 0;
  };
  std::unordered_map<std::uint64_t, InFlight> in_flight_;
  bool stopping_ = false;
  std::function<bool()> stop_requested_;
  std::int64_t samples_ = 0;
  std::int64_t visit_count_ = 0;
  std::int64_t crossings_ = 0;
  std::size_t crossing_bytes_ = 0;
  std::vector<SimulatedVisit> visits_;
  std::vector<SimulatedFlush> flushes_;
  std::vector<std::uint64_t> unflushed_;  // batches trained since the last flush
  std::vector<SimulatedLayer> layers_;
  // Per layer and batch: when and at which weight version its standard visit ended, and its hops.
  struct StandardDone {
    double at = 0;
    std::uint64_t version = 0;  // of W at the standard pass, or after the batch's previous update here
    std::uint32_t hops = 0;
    int updates_left = 1;       // the layer's updates of the batch still to land (a time-local rule: 2)
  };
  std::vector<std::unordered_map<std::uint64_t, StandardDone>> standard_done_;
  std::vector<std::uint64_t> versions_;  // per layer: updates that reached W
  std::vector<std::vector<std::pair<std::uint64_t, std::uint32_t>>> awaiting_flush_;  // deferred: (batch, hops)
  std::vector<std::optional<FixedInterleave>> interleave_;  // per node: a layer's gate under --staleness fixed
};

}  // namespace pepita
