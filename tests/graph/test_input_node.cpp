// The input node is lightweight: a message that finds it free is taken on the thread that hands it
// over, which on a rank is the link's thread bringing F·e from another rank. So its body may not
// throw; what a visit meets is recorded and thrown once the graph is idle.
#include <doctest/doctest.h>

#include <cstdint>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <vector>

#include <tbb/flow_graph.h>

#include "graph/graph_failure.hpp"
#include "graph/input_node.hpp"

namespace pepita {

namespace {

// Two 3-pixel images, and an input node that keeps x until F·e returns (PEPITA), whose output a
// lightweight node records with the thread it ran on.
struct InputUnderTest {
  tbb::flow::graph graph;
  GraphFailure failure{graph};
  LearningState state;
  Dataset data{.name = "tiny", .shape = {1, 1, 3}, .classes = 2, .images = {1, 2, 3, 10, 20, 30}, .labels = {0, 1}};
  std::vector<std::uint32_t> samples{1, 0};
  BatchPool batches{[] { return BatchInfo{}; }};
  InputNode input{graph, failure, 3, 2, /*keeps_input=*/true, /*stacks_clean_input=*/false, state, 0};
  struct Sent {
    Pass pass;
    std::vector<float> values;
    std::thread::id thread;
  };
  std::vector<Sent> sent;
  tbb::flow::function_node<Message, tbb::flow::continue_msg, tbb::flow::lightweight> recorder{
      graph, tbb::flow::serial, [this](const Message& m) noexcept {
        std::vector<float> values(m.activity->data(), m.activity->data() + m.activity->size());
        sent.push_back({m.pass, std::move(values), std::this_thread::get_id()});
        return tbb::flow::continue_msg{};
      }};
  TensorPool errors = make_tensor_pool(2, 3);  // where F·e comes from, as the projection's pool
  BatchHandle batch;

  InputUnderTest() {
    tbb::flow::make_edge(tbb::flow::output_port<0>(input.node()), recorder);
    batch = batches.acquire();
    batch->id = 4;
    batch->data = &data;
    batch->samples = samples;
  }
  Message feedback(std::vector<float> values) {
    TensorHandle fe = acquire_tensor(errors, 2);
    std::copy(values.begin(), values.end(), fe->data());
    return Message{Pass::feedback, batch, fe, 3};
  }
};

}  // namespace

TEST_CASE("the input node takes F·e on the thread that brings it and sends x + F·e") {
  InputUnderTest t;
  t.input.node().try_put(Message{Pass::standard, t.batch, TensorHandle{}});
  t.graph.wait_for_all();
  REQUIRE(t.sent.size() == 1);
  CHECK(t.sent[0].values == std::vector<float>{10, 20, 30, 1, 2, 3});  // samples 1 then 0

  // As the link's thread delivers: a thread that is no worker of the graph's arena.
  std::thread::id link_thread;
  std::thread link([&] {
    link_thread = std::this_thread::get_id();
    t.input.node().try_put(t.feedback({0.5f, 0.5f, 0.5f, -1, -1, -1}));
  });
  link.join();
  t.graph.wait_for_all();
  REQUIRE(t.sent.size() == 2);
  CHECK(t.sent[1].pass == Pass::modulated);
  CHECK(t.sent[1].values == std::vector<float>{10.5f, 20.5f, 30.5f, 0, 1, 2});
  CHECK(t.sent[1].thread == link_thread);
  CHECK_NOTHROW(t.failure.rethrow());
}

TEST_CASE("a message the input node cannot take is the run's error once the graph is idle, not a crash") {
  InputUnderTest t;
  t.input.node().try_put(Message{Pass::error, t.batch, TensorHandle{}});
  t.graph.wait_for_all();
  CHECK(t.sent.empty());
  CHECK_THROWS_WITH_AS(t.failure.rethrow(), "the input node cannot take a error message", std::logic_error);
  CHECK_NOTHROW(t.failure.rethrow());  // thrown once

  // F·e for a batch whose x the node does not hold: the same way out.
  InputUnderTest u;
  u.input.node().try_put(u.feedback({0, 0, 0, 0, 0, 0}));
  u.graph.wait_for_all();
  CHECK(u.sent.empty());
  CHECK_THROWS_AS(u.failure.rethrow(), std::exception);
}

}  // namespace pepita
