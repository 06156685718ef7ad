#pragma once
// The training graph's nodes and routes as plain data, without oneTBB or tensors: what the virtual
// clock (simulation/virtual_clock.hpp) routes messages by, and what the cost and memory models
// read shapes from. The numbering is TrainingGraph's graph order: 0 the input, 1…S the chain's
// stages, S + 1 the error node, S + 2 the projection where the rule has one.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "graph/learning_rule.hpp"
#include "graph/model_spec.hpp"

namespace pepita {

enum class NodeKind { input, layer, pool, error, projection };

struct TopologyNode {
  std::string name;            // the graph's node name: "input", "hidden 1", "pool 2", "output 3", …
  NodeKind kind = NodeKind::input;
  LayerPlace place;            // layers only
  std::optional<StageSpec> stage;  // layers and pools
  std::size_t inputs = 0;      // features a sample brings in (stages), or the input's size
  std::size_t outputs = 0;     // features a sample's main output carries
  std::size_t positions = 1;   // a convolution's output positions (1 otherwise)
  std::size_t weights = 0;     // W_l's entries (layers only)
  bool is_stage() const { return kind == NodeKind::layer || kind == NodeKind::pool; }
};

class GraphTopology {
 public:
  // `backward`: whether the scheduler's flow splits a backward chain's learning visits (its W
  // visits are messages a layer sends itself, and what the models read from the rule's reactions).
  GraphTopology(const std::vector<StageSpec>& stages, ImageShape input, int classes, const LearningRule& rule,
                BackwardVisits backward = BackwardVisits::joined);

  const std::vector<TopologyNode>& nodes() const { return nodes_; }
  const TopologyNode& node(int index) const { return nodes_.at(std::size_t(index)); }
  int size() const { return int(nodes_.size()); }
  int layers() const { return int(layer_nodes_.size()); }      // L
  int stages() const { return stage_count_; }                  // S
  int layer_node(int layer) const { return layer_nodes_.at(std::size_t(layer)); }
  int error_node() const { return stage_count_ + 1; }
  std::optional<int> projection_node() const { return projection_node_; }
  const RuleEdges& edges() const { return edges_; }
  const LearningRule& rule() const { return rule_; }
  // What layer `node` sends when it takes a `pass` message: the rule's reaction under this flow.
  LayerReaction reaction(int node, Pass pass) const { return rule_.reaction(pass, nodes_.at(std::size_t(node)).place, backward_); }
  int classes() const { return classes_; }

  // Where a node's up exit goes: the next stage, the error node, or (from the error node) the
  // projection and the layers the rule's edges name; the projection's goes back to the input. (A
  // layer's to_self exit goes to the layer itself.)
  const std::vector<int>& up_targets(int node) const { return up_.at(std::size_t(node)); }
  // Where a stage's down exit goes: the stage below, when the rule sends gradients down; none from
  // the first stage (oneTBB drops what leaves an unconnected port, and so does the clock).
  std::optional<int> down_target(int node) const;
  // Features per sample of what `node` sends up (or down): what a message's bytes are made of.
  std::size_t up_features(int node) const;
  std::size_t down_features(int node) const { return node_inputs(node); }

 private:
  std::size_t node_inputs(int node) const { return nodes_.at(std::size_t(node)).inputs; }

  const LearningRule& rule_;
  BackwardVisits backward_;
  int classes_ = 0;
  std::vector<TopologyNode> nodes_;
  std::vector<int> layer_nodes_;
  int stage_count_ = 0;
  std::optional<int> projection_node_;
  RuleEdges edges_;
  std::vector<std::vector<int>> up_;
};

}  // namespace pepita
