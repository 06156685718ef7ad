#include "simulation/memory_model.hpp"

namespace pepita {

namespace {
constexpr std::size_t float_bytes = sizeof(float);
}

MemoryModel::MemoryModel(const GraphTopology& topology, const MemorySettings& settings)
    : topology_(topology), settings_(settings), static_(std::size_t(topology.size()), 0), held_(std::size_t(topology.size()), 0) {
  const LearningRule& rule = topology.rule();
  for (int n = 0; n < topology.size(); ++n) {
    const TopologyNode& node = topology.node(n);
    std::size_t bytes = 0;
    if (node.kind == NodeKind::layer) {
      bytes = 2 * node.weights * float_bytes;  // W and its velocity
      if (settings.updates == UpdateMode::deferred) bytes += node.weights * float_bytes;
      switch (rule.feedback_weights(node.place)) {
        case FeedbackWeights::transport: bytes += node.weights * float_bytes; break;
        case FeedbackWeights::direct: bytes += std::size_t(topology.classes()) * node.outputs * float_bytes; break;
        case FeedbackWeights::none: break;
      }
    } else if (node.kind == NodeKind::projection) {
      bytes = node.inputs * node.outputs * float_bytes;
    }
    static_[std::size_t(n)] = bytes;
  }
}

std::size_t MemoryModel::per_batch_bytes(int node, int rows) const {
  const TopologyNode& n = topology_.node(node);
  const LearningRule& rule = topology_.rule();
  switch (n.kind) {
    case NodeKind::input: return topology_.projection_node() ? std::size_t(rows) * n.outputs * float_bytes : 0;
    case NodeKind::pool: return topology_.edges().gradients_down ? std::size_t(rows) * n.outputs * float_bytes : 0;
    case NodeKind::layer: {
      if (rule.learns_on_standard_pass(n.place)) return 0;  // it learns within the visit and keeps nothing
      if (!rule.keeps_standard_activity()) return 0;        // the learning pass recomputes it
      std::size_t features = n.outputs;                                          // h_l
      if (!n.place.is_output() && settings_.dropout > 0) features += n.outputs;  // the mask
      // bf16's difference form keeps z_l, and h_{l-1} where the rule would not anyway (layer_node.hpp).
      const bool difference_form =
          settings_.precision == Precision::bf16 && rule.integrates_modulated_pass() && !n.place.is_output();
      if (rule.keeps_standard_presynaptic() || difference_form) features += n.inputs;
      if (difference_form) features += n.outputs;
      std::size_t bytes = std::size_t(rows) * features * float_bytes;
      if (settings_.stash.stashes(rule.learning_reads_weights()))
        bytes += settings_.stash.as_updates(*n.stage, n.inputs, n.outputs) ? std::size_t(rows) * (n.inputs + n.outputs) * float_bytes
                                                                          : n.weights * float_bytes;
      return bytes;
    }
    case NodeKind::error:
    case NodeKind::projection: return 0;
  }
  return 0;
}

bool MemoryModel::releases(int node, Pass pass) const {
  switch (topology_.node(node).kind) {
    case NodeKind::input: return pass == Pass::feedback;
    case NodeKind::pool: return pass == Pass::backward;
    // The visit that updates: not one that leaves the batch to a later visit of its own.
    case NodeKind::layer: return is_learning_signal(pass) && !topology_.reaction(node, pass).sends_to_self();
    case NodeKind::error:
    case NodeKind::projection: return false;
  }
  return false;
}

std::int64_t MemoryModel::on_visit(int node, Pass pass, std::uint64_t batch, int rows) {
  std::size_t& held = held_[std::size_t(node)];
  const std::uint64_t key = (std::uint64_t(node) << 40) | (batch & ((1ULL << 40) - 1));
  if (pass == Pass::standard) {
    const std::size_t bytes = per_batch_bytes(node, rows);
    if (bytes == 0) return 0;
    holding_[key] = bytes;
    held += bytes;
    return std::int64_t(bytes);
  }
  if (!releases(node, pass)) return 0;
  const auto found = holding_.find(key);
  if (found == holding_.end()) return 0;
  const std::size_t bytes = found->second;
  holding_.erase(found);
  held -= bytes;
  return -std::int64_t(bytes);
}

}  // namespace pepita
