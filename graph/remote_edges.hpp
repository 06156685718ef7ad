#pragma once
// The ends of the graph's edges that cross to another rank (graph/remote_link.hpp). On the sending
// rank a lightweight node encodes what arrives, on the sending node's own thread and in the order
// it was sent, and hands the bytes to the link; on the receiving rank an async_node, whose gateway
// the link's thread puts the decoded message through, delivers it as a local edge would. Nodes on
// either side cannot tell.
#include <algorithm>
#include <cstdint>
#include <atomic>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <tbb/flow_graph.h>

#include "graph/graph_failure.hpp"
#include "graph/message.hpp"
#include "graph/remote_link.hpp"
#include "graph/wire_format.hpp"

namespace pepita {

class RemoteEdges {
 public:
  // A sending end that fails records it in `failure` (see sender).
  RemoteEdges(tbb::flow::graph& graph, RemoteLink& link, GraphFailure& failure) : graph_(graph), link_(link), failure_(failure) {}
  RemoteEdges(const RemoteEdges&) = delete;
  RemoteEdges& operator=(const RemoteEdges&) = delete;

  // What the sending end of `edge` connects to. `weight_version` runs on the sending node's thread.
  template <class T>
  tbb::flow::receiver<T>& sender(std::uint32_t edge, int to_rank, std::function<std::uint64_t()> weight_version = {});
  // What the receiving end of `edge` connects from.
  template <class T>
  tbb::flow::sender<T>& receiver(std::uint32_t edge);

  // What this rank sent along each edge that leaves it, since the graph was built.
  struct Crossing {
    std::uint32_t edge = 0;
    int to_rank = 0;
    std::uint64_t messages = 0;
    std::uint64_t bytes = 0;
  };
  std::vector<Crossing> crossings() const;

  // A run: the batches messages may name, by id.
  void start_run(std::uint32_t run, std::span<const BatchHandle> batches);
  // On the link's thread: decodes `bytes` and puts it into the graph. Throws WireError for a
  // message this rank cannot place.
  void deliver(std::vector<std::byte> bytes);

 private:
  template <class T>
  using Receiver = tbb::flow::async_node<T, T>;
  const BatchHandle& batch(std::uint64_t id, Pass pass) const;

  // Counted on the sending node's thread, read by the main thread between runs.
  struct SentCount {
    std::uint32_t edge;
    int to_rank;
    std::atomic<std::uint64_t> messages{0};
    std::atomic<std::uint64_t> bytes{0};
  };

  tbb::flow::graph& graph_;
  RemoteLink& link_;
  GraphFailure& failure_;
  std::deque<SentCount> sent_;  // a deque: the sending nodes hold references
  std::uint32_t run_ = 0;
  std::vector<std::unique_ptr<tbb::flow::graph_node>> nodes_;
  std::unordered_map<std::uint32_t, std::function<void(const WireMessage&)>> receivers_;  // by edge
  std::unordered_map<std::uint64_t, BatchHandle> batches_;  // this run's, by id
  // Received activity; sized as each message needs, so one pool serves every edge.
  TensorPool received_{[] { return Tensor{}; }};
};

template <class T>
tbb::flow::receiver<T>& RemoteEdges::sender(std::uint32_t edge, int to_rank, std::function<std::uint64_t()> weight_version) {
  static_assert(std::is_same_v<T, Message> || std::is_same_v<T, BatchEvent>, "only messages and events cross ranks");
  // Lightweight and unlimited, with a body that cannot throw: only then does oneTBB run the body at
  // once on the thread of the node that sent. A body that may throw gets a task of its own, and two
  // such tasks run in either order, so that a batch's mirror pass could leave before the modulated
  // pass sent just ahead of it, and reach the next layer before that layer's update. Inline, the
  // messages of an edge leave in the order their node sent them, and the weight version is read
  // where it is written. What can still fail here (memory) cancels the run (graph/graph_failure.hpp).
  static_assert(std::is_nothrow_default_constructible_v<T> && std::is_nothrow_destructible_v<T>,
                "oneTBB runs a lightweight body inline only when body(T()) cannot throw");
  SentCount& count = sent_.emplace_back(edge, to_rank);
  auto node = std::make_unique<tbb::flow::function_node<T, tbb::flow::continue_msg, tbb::flow::lightweight>>(
      graph_, tbb::flow::unlimited, [this, edge, to_rank, &count, version = std::move(weight_version)](const T& item) noexcept {
        failure_.run([&] {
          const auto sender = std::uint16_t(link_.rank());
          std::vector<std::byte> bytes;
          if constexpr (std::is_same_v<T, Message>)
            bytes = encode_message(item, run_, edge, sender, version ? version() : 0);
          else
            bytes = encode_event(item, run_, edge, sender);
          count.messages.fetch_add(1, std::memory_order_relaxed);
          count.bytes.fetch_add(bytes.size(), std::memory_order_relaxed);
          link_.send(to_rank, std::move(bytes));
        });
        return tbb::flow::continue_msg{};
      });
  auto& entry = *node;
  nodes_.push_back(std::move(node));
  return entry;
}

template <class T>
tbb::flow::sender<T>& RemoteEdges::receiver(std::uint32_t edge) {
  static_assert(std::is_same_v<T, Message> || std::is_same_v<T, BatchEvent>, "only messages and events cross ranks");
  // No edge leads into it: it only forwards what its gateway is given.
  auto node = std::make_unique<Receiver<T>>(graph_, tbb::flow::unlimited, [](const T&, typename Receiver<T>::gateway_type&) {});
  Receiver<T>& entry = *node;
  nodes_.push_back(std::move(node));
  receivers_[edge] = [this, &entry](const WireMessage& wire) {
    const WireHeader& h = wire.header;
    if constexpr (std::is_same_v<T, Message>) {
      if (h.kind != WireKind::message) throw WireError("an update event arrived on an edge that carries activity");
      TensorHandle activity;
      if (h.payload_bytes > 0) {
        activity = received_.acquire();
        activity->storage.resize(std::max(activity->storage.size(), std::size_t(h.rows) * std::size_t(h.features)));
        activity->rows = h.rows;
        activity->features = h.features;
        std::memcpy(activity->data(), wire.payload.data(), wire.payload.size());
      }
      entry.gateway().try_put(Message{h.pass, batch(h.batch, h.pass), std::move(activity), h.hops});
    } else {
      if (h.kind != WireKind::event) throw WireError(std::string("a ") + to_string(h.pass) + " message arrived on an edge that carries update events");
      entry.gateway().try_put(BatchEvent{h.batch, h.layer});
    }
  };
  // Its port, not the node: an async_node takes successors only through its ports.
  return tbb::flow::output_port<0>(entry);
}

}  // namespace pepita
