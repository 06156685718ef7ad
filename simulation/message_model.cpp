#include "simulation/message_model.hpp"

#include <stdexcept>
#include <string>

#include "graph/flow_policy.hpp"

namespace pepita {

void MessageModel::visit(int node, const Message& message, Outbox& out) {
  require_first_visit(node, message);
  const TopologyNode& n = topology_.node(node);
  switch (n.kind) {
    case NodeKind::input:  // x up as the standard pass; x + F·e up as the modulated pass
      if (message.pass == Pass::standard) return out.up(next_message(Pass::standard, message, {}));
      if (message.pass == Pass::feedback) return out.up(next_message(Pass::modulated, message, {}));
      reject_message("the input node", message.pass);
    case NodeKind::layer: return visit_layer(node, message, out);
    case NodeKind::pool:  // either forward pass up, pooled; a gradient down through the argmax
      if (message.pass == Pass::backward) return out.down(next_message(Pass::backward, message, {}));
      if (message.pass == Pass::standard || message.pass == Pass::modulated)
        return out.up(next_message(message.pass, message, {}));
      reject_message(n.name, message.pass);
    case NodeKind::error:  // e to where the rule's edges take it
      if (message.pass != Pass::standard) reject_message("the error node", message.pass);
      return out.up(next_message(Pass::error, message, {}));
    case NodeKind::projection:  // F·e back to the input
      if (message.pass != Pass::error) reject_message("the projection", message.pass);
      return out.up(next_message(Pass::feedback, message, {}));
  }
}

// LayerNode: the standard pass goes up (after the rule's learning where it learns on it); every
// learning signal goes to the rule, which says what the visit sends.
void MessageModel::visit_layer(int node, const Message& message, Outbox& out) {
  const TopologyNode& layer = topology_.node(node);
  if (message.pass == Pass::standard) {
    if (topology_.rule().learns_on_standard_pass(layer.place)) react(node, message, out);
    return out.up(next_message(Pass::standard, message, {}));
  }
  if (!is_learning_signal(message.pass)) reject_message(layer.name, message.pass);
  react(node, message, out);
}

// In the order the rules send: the gradient down (before the update, through the weights the
// standard pass used), a message to itself (a split backward's W visit), the report as the update
// lands, activity up.
void MessageModel::react(int node, const Message& message, Outbox& out) {
  const TopologyNode& layer = topology_.node(node);
  const LayerReaction reaction = topology_.reaction(node, message.pass);
  if (!reaction.takes) reject_message(layer.name, message.pass);
  if (reaction.down) out.down(next_message(Pass::backward, message, {}));
  if (reaction.sends_to_self()) out.to_self(next_message(reaction.to_self, message, {}));
  if (reaction.updates) out.report(BatchEvent{message.batch->id, layer.place.index});
  if (reaction.sends_up()) out.up(next_message(reaction.up, message, {}));
}

// Nodes keep one state per batch and kind of message (a soma entry, an x, a workspace), and no
// rule's path passes a node twice with the same kind: a second visit is a rule whose messages go
// round in a cycle, which the real graph would run forever.
void MessageModel::require_first_visit(int node, const Message& message) {
  constexpr std::size_t passes = pass_count;
  std::vector<std::uint64_t>& seen = visited_[message.batch->id];
  if (seen.empty()) seen.resize((std::size_t(topology_.size()) * passes + 63) / 64, 0);
  const std::size_t bit = std::size_t(node) * passes + std::size_t(message.pass);
  const std::uint64_t mask = 1ULL << (bit % 64);
  if (!(seen[bit / 64] & mask)) {
    seen[bit / 64] |= mask;
    return;
  }
  throw std::logic_error("batch " + std::to_string(message.batch->id) + " comes to " + topology_.node(node).name + " as a " +
                         to_string(message.pass) + " message a second time: its messages go round in a cycle");
}

}  // namespace pepita
