#pragma once
// The training graph. For PEPITA:
//
//   tickets ─▶ limiter ─▶ input ─x─▶ L1 ─▶ … ─▶ LL ─h_L─▶ error ─e─▶ projection (F)
//                 ▲          ▲                                          │
//                 │          └───────────── F·e ◀───────────────────────┘
//                 └── token ◀── completion ◀── update events from every layer
//
// The forward chain, the completion node and the limiter are the same for every rule; the rule
// adds its own edges (LearningRule::edges): PEPITA the projection back to the input, BP and FA
// edges down the chain (and, when the flow splits their backward visits, each layer an edge to
// itself), DFA e to every layer, DRTP e to the output only. The limiter's threshold is
// the number of batches in flight. Every node runs inside one task arena of the configured size,
// and oneDNN's OpenMP pool gets the configured threads.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <tbb/flow_graph.h>
#include <tbb/task_arena.h>

#include "graph/batch_runner.hpp"
#include "graph/completion_node.hpp"
#include "graph/error_node.hpp"
#include "graph/input_node.hpp"
#include "graph/layer_node.hpp"
#include "graph/pool_node.hpp"
#include "graph/projection_node.hpp"
#include "graph/graph_config.hpp"
#include "graph/remote_edges.hpp"

namespace pepita {

// Busy time of one node over the runs since the last reset_metrics().
struct NodeLoad {
  std::string name;
  double busy_seconds = 0;
  std::int64_t visits = 0;
};

class TrainingGraph final : public BatchRunner {
 public:
  explicit TrainingGraph(const GraphConfig& config);
  ~TrainingGraph();
  TrainingGraph(const TrainingGraph&) = delete;
  TrainingGraph& operator=(const TrainingGraph&) = delete;

  // η for every node; call while idle (between epochs).
  void set_learning_rate(float learning_rate);
  // Whether the batches from now on also run the mirror pass (feedback mirroring). Call while idle.
  void set_mirroring(bool on);

  // Sends the batches (each as `pass`: standard to train, evaluate to score) through the graph and
  // returns when every one is complete. Rethrows the first error a node raised.
  void run(std::span<const BatchHandle> batches, Pass pass);
  // Trains on the batches as run() does, but asks `stop_requested` after every finished batch; once
  // it answers true, the batches not yet admitted are withdrawn and those in flight finish. Returns
  // how many were trained: always a prefix of `batches`, since they are admitted in order.
  // `stop_requested` runs on a node thread.
  std::size_t run_until(std::span<const BatchHandle> batches, const std::function<bool()>& stop_requested);
  // BatchRunner: run_until, or run when nothing may stop it.
  std::size_t train(std::span<const BatchHandle> batches, const std::function<bool()>& stop_requested) override;

  // GPipe's flush: every layer applies the updates accumulated over `rows` samples. Call while idle.
  void flush_updates(int rows) override;

  // A graph that spans ranks (GraphConfig::ranks): whether this process runs `node` (graph order).
  bool runs_node(int node) const;
  bool spans_ranks() const { return config_.ranks.link != nullptr; }
  // Brings to the root the metrics the other ranks measured, so that the root's report reads as the
  // whole: every layer's locking metrics since the last gather, and every node's load since
  // reset_node_loads. Weights stay with their rank (layers/layer.hpp's WeightStorage); what the
  // root reports of them comes by on_layer_rank. Every rank calls it at the same points, while
  // idle; a no-op in one process.
  void gather_to_root();
  // Runs `compute` where learning layer `index` holds its weights, and returns its bytes on every
  // rank: how a figure of the weights (a norm, a product along the layers) is made across ranks
  // without moving them. In one process it just runs. Every rank calls it in the same order, while
  // idle; `compute` must not throw.
  std::vector<std::byte> on_layer_rank(int index, const std::function<std::vector<std::byte>(const LayerNode&)>& compute);
  // The same where the projection node holds F (and, under mirroring, learns its factors).
  std::vector<std::byte> on_projection_rank(const std::function<std::vector<std::byte>()>& compute);
  // Across ranks, the rank that runs the projection node, which owns F and its factors; none in one
  // process or for a rule without F.
  std::optional<int> projection_rank() const;
  // The root's answer, on every rank (its own answer in one process).
  bool root_decides(bool answer);
  // What crossed between ranks, gathered to the root (every rank calls it; the others get nothing):
  // per edge that crosses, its messages and bytes; per rank, its link's time in the transport.
  struct Crossing {
    std::string from, to;
    int from_rank = 0, to_rank = 0;
    std::uint64_t messages = 0, bytes = 0;
  };
  struct Traffic {
    std::vector<Crossing> edges;
    std::vector<double> transport_seconds;          // per rank
    std::vector<std::uint64_t> weight_bytes;        // per rank: held_weight_bytes
    std::vector<std::uint64_t> resident_bytes;       // per rank: the process's resident set at the end
    std::vector<std::uint64_t> peak_resident_bytes;  // per rank: its peak, loading the data set included
  };
  Traffic traffic_at_root();
  // The bytes of W, velocity and fixed feedback this process holds: across ranks, its own layers'.
  std::uint64_t held_weight_bytes() const;

  // One visit of node `node` (graph order: 0 the input, 1…S the chain's stages, S + 1 the error
  // node, S + 2 the projection) on the calling thread, its messages to `out` instead of the
  // graph's edges: how the virtual clock runs the real nodes (simulation/simulated_training.hpp).
  // Call only while the graph is idle.
  void visit(int node, const Message& message, Outbox& out);
  int node_count() const { return int(clocks_.size()); }

  // Per layer, over the whole life of the graph: latency, staleness, buffer bytes.
  LayerMetrics& layer_metrics(int index) { return layers_.at(std::size_t(index))->metrics(); }
  // Per node, since the last reset_node_loads(): busy time, and the wall time spent in run().
  std::vector<NodeLoad> node_loads();
  double run_seconds() const { return run_seconds_; }
  void reset_node_loads();
  // Batches some node still keeps state for; 0 whenever the graph is idle, or state is leaking.
  std::size_t batches_held() const;
  // Records one slice per message per node from now on, for write_chrome_trace. Returns the
  // moment the slices' start_us count from.
  Clock::time_point enable_trace();
  // Chrome trace events (open in Perfetto): one track per node, one slice per message.
  std::string chrome_trace_json();
  // Every node's trace slices since enable_trace, by node name, in graph order.
  struct NodeTrace {
    std::string node;
    std::vector<TraceSlice> slices;
  };
  std::vector<NodeTrace> node_traces() const;
  // The most node visits that were running at the same moment, from the trace (0 before
  // enable_trace): above 1 only if the scheduler really ran layers in parallel.
  int peak_concurrent_visits() const;

  // Observes progress: called on a node thread with the batches completed so far in this run.
  void on_batch_completed(std::function<void(std::int64_t)> callback) { completion_->on_completed(std::move(callback)); }

  ScoreTally peek_training_tally() const { return error_->peek_training_tally(); }
  ScoreTally take_training_tally() { return error_->take_training_tally(); }
  void restore_training_tally(const ScoreTally& tally) { error_->restore_training_tally(tally); }
  ScoreTally take_evaluation_tally() { return error_->take_evaluation_tally(); }

  // The learning layers (pooling stages excluded), first to output.
  int layer_count() const { return int(layers_.size()); }
  LayerNode& layer(int index) { return *layers_.at(std::size_t(index)); }
  // F, for PEPITA; empty for the other rules.
  std::span<float> input_projection() { return projection_ ? projection_->matrix() : std::span<float>{}; }
  // F's factors B_1…B_L, held only under feedback mirroring.
  std::vector<std::span<float>> feedback_factors() { return projection_ ? projection_->factors() : std::vector<std::span<float>>{}; }
  // Every edge of the graph as (from, to) node names, for tests and for the documentation.
  const std::vector<std::pair<std::string, std::string>>& edges() const { return edges_; }
  const GraphConfig& config() const { return config_; }

 private:
  void build();
  void connect();
  void connect_rule_edges();
  // After wait_for_all: order what the nodes did before what this thread does next (thread_handoff.hpp).
  void take_handoffs();
  // Makes the edge, or, when its ends run on two ranks, its sending or receiving end. `from_node`
  // and `to_node` are in graph order; hub_node is the tickets, limiter and completion, which go with the input.
  template <class From, class To>
  void connect(From& from, To& to, std::string from_name, std::string to_name, int from_node, int to_node);
  static constexpr int hub_node = -1;
  int rank_of(int node) const;
  // The projection node's place in graph order: after the layers and the error node.
  int projection_position() const;
  // on_layer_rank's and on_projection_rank's common part: `compute` runs on `node`'s rank.
  std::vector<std::byte> on_node_rank(int node, const std::function<std::vector<std::byte>()>& compute);
  // run() and run_until(): on a graph that spans ranks, every rank takes part in each run.
  std::size_t run_batches(std::span<const BatchHandle> batches, Pass pass, const std::function<bool()>* stop_requested);
  // Runs the local graph until the link says the run is over everywhere; the trained count from the root.
  std::size_t run_across_ranks(std::span<const BatchHandle> batches, Pass pass);
  // After a run, the error node's tallies go to the root, whose trainer reads them.
  void copy_tallies_to_root();

  GraphConfig config_;
  LearningState state_;
  tbb::task_arena arena_;
  // The graph's: cancelled when a node throws, which the link's thread watches across ranks.
  tbb::task_group_context context_;
  std::unique_ptr<tbb::flow::graph> graph_;
  std::unique_ptr<GraphFailure> failure_;  // what a body that may not throw met (graph_failure.hpp)
  std::unique_ptr<tbb::flow::queue_node<Message>> tickets_;
  std::unique_ptr<tbb::flow::limiter_node<Message>> limiter_;
  std::unique_ptr<InputNode> input_;
  std::vector<std::unique_ptr<LayerNode>> layers_;
  std::vector<std::unique_ptr<PoolNode>> pools_;
  // The chain of stages in order, as the graph sees them.
  struct Stage {
    StageQueue* entry;
    StageNode* node;
    std::string name;
    std::function<void(const Message&, Outbox&)> visit;
    std::function<std::uint64_t()> weight_version;  // a layer's updates so far; none for a pool
  };
  std::vector<Stage> chain_;
  std::unique_ptr<ErrorNode> error_;
  std::unique_ptr<ProjectionNode> projection_;
  std::unique_ptr<CompletionNode> completion_;
  std::vector<std::pair<std::string, std::string>> edges_;
  int learning_layers_ = 0;  // L: the stages that learn (pools do not)
  RuleEdges rule_edges_;
  std::vector<NodeClock*> clocks_;  // every node's: the input, layers, pools, error, projection
  std::vector<int> clock_nodes_;    // the node each clock belongs to, in graph order
  double run_seconds_ = 0;
  std::atomic<std::size_t> withdrawn_{0};  // tickets run_until took back from the queue
  std::unique_ptr<class OpenMpThreadsObserver> openmp_observer_;
  std::unique_ptr<RemoteEdges> remote_;  // the ends of edges that cross ranks
  std::uint32_t runs_ = 0;               // runs so far: every message says which it belongs to
};

}  // namespace pepita
