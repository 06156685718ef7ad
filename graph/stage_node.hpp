#pragma once
// What every stage of the chain (a learning layer or a pooling stage) looks like to the graph: a
// serial node behind a priority queue, with ports for activity up, update events, gradient down
// (for rules whose edges send gradients down) and messages to itself (a split backward's W visit).
#include <cstddef>
#include <tuple>

#include <tbb/flow_graph.h>

#include "graph/flow_policy.hpp"
#include "graph/message.hpp"
#include "graph/outbox.hpp"

namespace pepita {

// The priority of waiting messages: true when a should run after b.
struct MessagePriority {
  MessageOrder order = MessageOrder::learning_first;
  bool operator()(const Message& a, const Message& b) const { return order.runs_after(a, b); }
};

using StagePorts = std::tuple<Message, BatchEvent, Message, Message>;
using StageNode = tbb::flow::multifunction_node<Message, StagePorts, tbb::flow::rejecting>;
using StageQueue = tbb::flow::priority_queue_node<Message, MessagePriority>;

// The stage ports by name: tbb::flow::output_port<port::up>(node), std::get<port::down>(ports).
namespace port {
inline constexpr std::size_t up = 0;       // activity to the next stage, or the error node
inline constexpr std::size_t updated = 1;  // "layer l updated batch b", to the completion node
inline constexpr std::size_t down = 2;     // the gradient at the stage's input, to the stage below
inline constexpr std::size_t to_self = 3;  // back to the stage's own queue, for a later visit
}  // namespace port

using StageOutbox = PortsOutbox<StageNode::output_ports_type, port::up, port::updated, port::down, port::to_self>;

}  // namespace pepita
