#pragma once
// Knows when a batch is finished — every layer has applied its updates (one each, or two under a
// time-local rule), or its evaluation is scored — and then returns the batch's token to the
// limiter that admits new batches.
#include <cstdint>
#include <functional>
#include <tuple>
#include <utility>

#include <tbb/flow_graph.h>

#include "graph/batch_store.hpp"
#include "graph/message.hpp"
#include "graph/thread_handoff.hpp"

namespace pepita {

class CompletionNode {
 public:
  using Node = tbb::flow::multifunction_node<BatchEvent, std::tuple<tbb::flow::continue_msg>>;

  CompletionNode(tbb::flow::graph& graph, int updates_per_batch)
      : updates_per_batch_(updates_per_batch),
        node_(graph, tbb::flow::serial, taking_messages([this](const BatchEvent& e, Node::output_ports_type& ports) { receive(e, ports); })) {}
  Node& node() { return node_; }
  // Called on the node's thread after each finished batch with the count since the last reset.
  void on_completed(std::function<void(std::int64_t)> callback) { callback_ = std::move(callback); }
  // The graph's own hook, also after each finished batch, with the count since the last reset
  // (TrainingGraph::run's stop check, and a distributed run's end); kept apart from on_completed,
  // which belongs to whoever observes progress.
  void after_each(std::function<void(std::int64_t)> hook) { after_each_ = std::move(hook); }
  // Whether a batch also waits for its mirror pass (feedback mirroring, in the epochs that mirror):
  // one more event per batch, from the projection node. Called while the graph is idle.
  void expect_mirror_pass(bool on) { mirror_updates_ = on ? 1 : 0; }
  // Called by the thread that runs the graph, before it puts the batches in.
  void reset_count() {
    completed_ = 0;
    publish_handoff(this);
  }

 private:
  void receive(const BatchEvent& event, Node::output_ports_type& ports) {
    SerialVisit visit(this);
    if (event.layer >= 0 && ++pending_.find_or_add(event.batch) < updates_per_batch_ + mirror_updates_) return;
    if (event.layer >= 0) pending_.release(event.batch);
    ++completed_;
    if (callback_) callback_(completed_);
    if (after_each_) after_each_(completed_);
    std::get<0>(ports).try_put(tbb::flow::continue_msg{});
  }
  int updates_per_batch_;
  int mirror_updates_ = 0;
  BatchStore<int> pending_{"the completion node", "updates"};  // updates applied so far, per batch in flight
  std::int64_t completed_ = 0;
  std::function<void(std::int64_t)> callback_;
  std::function<void(std::int64_t)> after_each_;
  Node node_;
};

}  // namespace pepita
