#pragma once
// What every stage of the chain (a learning layer or a pooling stage) looks like to the graph: a
// serial node behind a priority queue, with ports for activity up, update events, and gradient
// down (BP, FA).
#include <tuple>

#include <tbb/flow_graph.h>

#include "graph/message.hpp"
#include "graph/rule_options.hpp"

namespace pepita {

// The priority of waiting messages: true when a should run after b.
struct MessagePriority {
  MessageOrder order = MessageOrder::learning_first;
  bool operator()(const Message& a, const Message& b) const;
};

using StagePorts = std::tuple<Message, BatchEvent, Message>;
using StageNode = tbb::flow::multifunction_node<Message, StagePorts, tbb::flow::rejecting>;
using StageQueue = tbb::flow::priority_queue_node<Message, MessagePriority>;

}  // namespace pepita
