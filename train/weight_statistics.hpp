#pragma once
// What a run's weights look like after an epoch: the study of deep PEPITA's stability reads them
// (docs/results.md), and the trainer's loss-growth warning names a layer from them. Taken between
// epochs, while the graph is idle, so nothing is added to the hot path. Across ranks each layer's
// part is computed on the rank that holds its weights, and every rank gets the same figures.
#include <optional>
#include <vector>

#include "graph/training_graph.hpp"

namespace pepita {

// ‖W_l‖_F of every learning layer, first layer first.
std::vector<double> weight_norms(TrainingGraph& graph);

// The paper's alignment (§4.2, Fig. 3b, after Xiao et al. 2018): the angle in degrees between the
// forward path W_L⋯W_1 and Fᵀ, both flattened, with F as the input adds it (x + F·e). Defined for
// a fully connected model with an input projection; otherwise empty.
std::optional<double> feedback_angle_degrees(TrainingGraph& graph);

}  // namespace pepita
