#include "simulation/topology.hpp"

#include <stdexcept>

namespace pepita {

GraphTopology::GraphTopology(const std::vector<StageSpec>& stages, ImageShape input, int classes, const LearningRule& rule,
                             BackwardVisits backward)
    : rule_(rule), backward_(backward), classes_(classes) {
  if (stages.empty()) throw std::invalid_argument("the graph needs stages");
  int layers = 0;
  for (const StageSpec& stage : stages) layers += stage.learns();
  edges_ = rule.edges(layers);
  stage_count_ = int(stages.size());
  // An auxiliary node (input, error, projection): no place, no stage.
  const auto auxiliary = [](std::string name, NodeKind kind, std::size_t inputs, std::size_t outputs) {
    TopologyNode node;
    node.name = std::move(name);
    node.kind = kind;
    node.inputs = inputs;
    node.outputs = outputs;
    return node;
  };
  nodes_.push_back(auxiliary("input", NodeKind::input, input.size(), input.size()));
  const std::vector<ImageShape> shapes = stage_shapes(stages, input);
  ImageShape in = input;
  int layer = 0;
  for (std::size_t s = 0; s < stages.size(); ++s) {
    TopologyNode node = auxiliary("", stages[s].learns() ? NodeKind::layer : NodeKind::pool, in.size(), shapes[s].size());
    node.stage = stages[s];
    if (stages[s].kind == StageSpec::Kind::conv) node.positions = std::size_t(shapes[s].height) * shapes[s].width;
    if (stages[s].kind == StageSpec::Kind::conv)
      node.weights = std::size_t(stages[s].units) * std::size_t(in.channels) * std::size_t(stages[s].kernel * stages[s].kernel);
    else if (stages[s].kind == StageSpec::Kind::dense)
      node.weights = std::size_t(stages[s].units) * in.size();
    if (stages[s].learns()) {
      node.place = {layer++, layers};
      layer_nodes_.push_back(int(nodes_.size()));
    }
    node.name = stage_node_name(stages[s], int(s) + 1, node.kind == NodeKind::layer && node.place.is_output());
    nodes_.push_back(std::move(node));
    in = shapes[s];
  }
  nodes_.push_back(auxiliary("error", NodeKind::error, std::size_t(classes), std::size_t(classes)));
  if (edges_.error_to_input_via_projection) {
    projection_node_ = int(nodes_.size());
    nodes_.push_back(auxiliary("projection", NodeKind::projection, std::size_t(classes), input.size()));
  }
  up_.resize(nodes_.size());
  for (int n = 0; n <= stage_count_; ++n) up_[std::size_t(n)] = {n + 1};  // input → stage 1 → … → error
  std::vector<int>& from_error = up_[std::size_t(error_node())];
  if (projection_node_) {
    from_error.push_back(*projection_node_);
    up_[std::size_t(*projection_node_)] = {0};
  }
  for (int l : edges_.error_to_layers) from_error.push_back(layer_nodes_.at(std::size_t(l)));
}

std::optional<int> GraphTopology::down_target(int node) const {
  if (!edges_.gradients_down || node <= 1 || node > stage_count_) return std::nullopt;
  return node - 1;
}

std::size_t GraphTopology::up_features(int node) const { return nodes_.at(std::size_t(node)).outputs; }

}  // namespace pepita
