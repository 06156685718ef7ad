// Feedback alignment (Lillicrap et al., 2016): the backward chain with a fixed random B_l, shaped
// like W_l and initialised like it, in place of W_l on the way down.
#include "graph/rules/backward_chain.hpp"
#include "graph/rules/builtin_rules.hpp"

std::unique_ptr<pepita::LearningRule> pepita::make_fa_rule() {
  return std::make_unique<BackwardChain>(BackwardChain::Carrier::fixed_feedback);
}
