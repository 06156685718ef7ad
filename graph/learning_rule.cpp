#include "graph/learning_rule.hpp"

namespace pepita {

// Asked of every kind of message, since a reaction is {} for a message the layer does not take.
bool LearningRule::sends_to_self(const LayerPlace& place, BackwardVisits backward) const {
  for (std::size_t p = 0; p < pass_count; ++p)
    if (reaction(Pass(p), place, backward).sends_to_self()) return true;
  return false;
}

bool LearningRule::learns_after_standard_pass(const LayerPlace& place, BackwardVisits backward) const {
  for (std::size_t p = 0; p < pass_count; ++p)
    if (Pass(p) != Pass::standard && Pass(p) != Pass::evaluate && reaction(Pass(p), place, backward).takes) return true;
  return false;
}

int LearningRule::updates_per_batch(int layers) const {
  int updates = 0;
  for (int layer = 1; layer <= layers; ++layer) updates += int(update_stages(layers, layer).size());
  return updates;
}

}  // namespace pepita
