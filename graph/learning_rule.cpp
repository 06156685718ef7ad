#include "graph/learning_rule.hpp"

namespace pepita {

// Asked of every kind of message, since a reaction is {} for a message the layer does not take.
bool LearningRule::sends_to_self(const LayerPlace& place, BackwardVisits backward) const {
  for (std::size_t p = 0; p < pass_count; ++p)
    if (reaction(Pass(p), place, backward).sends_to_self()) return true;
  return false;
}

}  // namespace pepita
