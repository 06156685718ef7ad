#pragma once
// The error of a visit that runs where oneTBB cannot catch it. oneTBB runs a lightweight node's
// body inline, on the thread that hands it a message, and only when that body cannot throw: a
// remote edge's sender (graph/remote_edges.hpp) and the input node (graph/input_node.hpp), which
// on a rank may run on the link's thread rather than a worker of the graph. Their bodies do their
// work through run(), which records what it throws; the first error cancels the graph, so that
// wait_for_all returns and the thread that waited rethrows it, as it would rethrow a worker's.
#include <exception>
#include <mutex>
#include <utility>

#include <tbb/flow_graph.h>

namespace pepita {

class GraphFailure {
 public:
  explicit GraphFailure(tbb::flow::graph& graph) : graph_(graph) {}
  GraphFailure(const GraphFailure&) = delete;
  GraphFailure& operator=(const GraphFailure&) = delete;

  // From any thread: keeps the first error and cancels the graph.
  void record(std::exception_ptr error) noexcept {
    {
      const std::lock_guard lock(mutex_);
      if (!error_) error_ = std::move(error);
    }
    graph_.cancel();  // across ranks the link sees the cancelled group and ends the run here
  }

  // A lightweight body's work: what it throws is recorded rather than let out.
  template <class Work>
  void run(Work&& work) noexcept {
    try {
      std::forward<Work>(work)();
    } catch (...) {
      record(std::current_exception());
    }
  }

  // After wait_for_all: throws the recorded error, if any, and clears it.
  void rethrow() {
    std::exception_ptr error;
    {
      const std::lock_guard lock(mutex_);
      error = std::exchange(error_, nullptr);
    }
    if (error) std::rethrow_exception(error);
  }

 private:
  tbb::flow::graph& graph_;
  std::mutex mutex_;
  std::exception_ptr error_;
};

}  // namespace pepita
