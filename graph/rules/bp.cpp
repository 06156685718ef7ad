// Backpropagation: the backward chain with the gradient carried down through W_lᵀ.
#include "graph/rules/backward_chain.hpp"
#include "graph/rules/builtin_rules.hpp"

std::unique_ptr<pepita::LearningRule> pepita::make_bp_rule() {
  return std::make_unique<BackwardChain>(BackwardChain::Carrier::weights);
}
