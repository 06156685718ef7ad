// The completion node counts a batch finished once every layer has applied its updates and, in an
// epoch that mirrors F, once F's factors have learnt from the batch's mirror pass too. Across ranks
// the run ends when the root has counted every batch, so a mirror pass left uncounted could still
// be on its way between ranks when they stop (a 3-rank job hung that way in 2 of 12 runs).
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include <tbb/flow_graph.h>

#include "graph/completion_node.hpp"

namespace pepita {

namespace {

struct Counted {
  tbb::flow::graph graph;
  CompletionNode completion{graph, /*updates_per_batch=*/2};
  std::vector<std::int64_t> completed;
  Counted() {
    completion.on_completed([this](std::int64_t count) { completed.push_back(count); });
    completion.reset_count();
  }
  void event(std::uint64_t batch, int layer) {
    completion.node().try_put(BatchEvent{batch, layer});
    graph.wait_for_all();
  }
};

}  // namespace

TEST_CASE("a batch is complete once each layer has updated it") {
  Counted c;
  c.event(7, 0);
  CHECK(c.completed.empty());
  c.event(7, 1);
  CHECK(c.completed == std::vector<std::int64_t>{1});
}

TEST_CASE("in an epoch that mirrors, a batch is complete only after F's factors learnt from its mirror pass") {
  Counted c;
  c.completion.expect_mirror_pass(true);
  c.event(8, 0);
  c.event(8, 1);
  CHECK(c.completed.empty());
  c.event(8, 2);  // the projection's event: one past the last layer
  CHECK(c.completed == std::vector<std::int64_t>{1});
  // Evaluation is scored in one event, mirroring or not.
  c.event(9, -1);
  CHECK(c.completed == std::vector<std::int64_t>{1, 2});
  // An epoch that does not mirror counts the layers alone again.
  c.completion.expect_mirror_pass(false);
  c.event(10, 0);
  c.event(10, 1);
  CHECK(c.completed == std::vector<std::int64_t>{1, 2, 3});
}

}  // namespace pepita
