// The sending end of an edge that crosses ranks (graph/remote_edges.hpp), against a link that only
// records what it is given: the messages of one node leave in the order the node sent them, on its
// own thread, and a send that fails ends the run with that failure rather than losing a message.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <tbb/flow_graph.h>

#include "graph/remote_edges.hpp"

namespace pepita {
namespace {

// A link with no other rank: send records the message's pass and batch and the calling thread,
// or throws once `fail_from` messages were sent. Nothing else is called by a sending end.
class RecordingLink final : public RemoteLink {
 public:
  struct Sent {
    Pass pass;
    std::uint64_t batch;
    std::thread::id thread;
  };
  std::vector<Sent> sent;
  std::size_t fail_from = std::size_t(-1);

  int rank() const override { return 0; }
  int ranks() const override { return 2; }
  void start_run(std::uint32_t, std::function<void(std::vector<std::byte>)>, std::function<void()>, std::function<bool()>) override {}
  void send(int, std::vector<std::byte> bytes) override {
    if (sent.size() >= fail_from) throw std::runtime_error("the link refused message " + std::to_string(sent.size()));
    const WireHeader header = decode_wire(bytes).header;
    sent.push_back({header.pass, header.batch, std::this_thread::get_id()});
  }
  void finish_everywhere(std::uint64_t) override {}
  void fail_everywhere(const std::string&) override {}
  std::uint64_t end_run() override { return 0; }
  std::vector<std::byte> to_root(int, std::vector<std::byte> bytes) override { return bytes; }
  std::uint64_t from_root(std::uint64_t value) override { return value; }
  std::vector<std::byte> bytes_from_root(std::vector<std::byte> bytes) override { return bytes; }
  double transport_seconds() const override { return 0; }
};

// One serial node that, for each batch it is given, sends a modulated and then a mirror message
// through its port to the edge's sending end, as a layer's visits do; returns its visits' thread.
struct TwoPassSource {
  using Node = tbb::flow::multifunction_node<std::uint64_t, std::tuple<Message>>;
  tbb::flow::graph graph;
  BatchPool batches{[] { return BatchInfo{}; }};
  std::vector<std::thread::id> threads;
  Node node{graph, tbb::flow::serial, [this](std::uint64_t id, Node::output_ports_type& ports) {
              threads.push_back(std::this_thread::get_id());
              BatchHandle batch = batches.acquire();
              batch->id = id;
              std::get<0>(ports).try_put(Message{Pass::modulated, batch, TensorHandle{}, 1});
              std::get<0>(ports).try_put(Message{Pass::mirror, batch, TensorHandle{}, 1});
            }};
};

// The source's port joined to the sending end of an edge to rank 1, over the recording link.
struct EdgeToRankOne {
  RecordingLink link;
  TwoPassSource source;
  GraphFailure failure{source.graph};
  RemoteEdges edges{source.graph, link, failure};
  EdgeToRankOne() { tbb::flow::make_edge(tbb::flow::output_port<0>(source.node), edges.sender<Message>(3, 1)); }
  // Batches 0…count−1 through the source, until the graph is idle.
  void send_batches(std::uint64_t count) {
    for (std::uint64_t batch = 0; batch < count; ++batch) source.node.try_put(batch);
    source.graph.wait_for_all();
  }
};

}  // namespace

TEST_CASE("an edge to another rank sends a node's messages in the order the node sent them, on the node's thread") {
  EdgeToRankOne edge;
  edge.send_batches(200);
  const RecordingLink& link = edge.link;
  REQUIRE(link.sent.size() == 400);
  for (std::size_t i = 0; i < link.sent.size(); ++i) {
    CAPTURE(i);
    CHECK(link.sent[i].batch == i / 2);
    CHECK(link.sent[i].pass == (i % 2 == 0 ? Pass::modulated : Pass::mirror));
    CHECK(link.sent[i].thread == edge.source.threads[i / 2]);
  }
  CHECK_NOTHROW(edge.failure.rethrow());
}

TEST_CASE("a send that fails cancels the run and is thrown once the graph is idle") {
  EdgeToRankOne edge;
  edge.link.fail_from = 5;
  edge.send_batches(50);
  CHECK(edge.link.sent.size() == 5);
  CHECK_THROWS_WITH_AS(edge.failure.rethrow(), "the link refused message 5", std::runtime_error);
  CHECK_NOTHROW(edge.failure.rethrow());  // thrown once
}

}  // namespace pepita
