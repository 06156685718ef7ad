#pragma once
// The rules that ship with pepita-flow, one file each; rule_registry.cpp lists them.
#include <memory>

#include "graph/learning_rule.hpp"

namespace pepita {

// PEPITA's update as the paper forms it (modulated), or as the follow-up's variants do
// (graph/rules/pepita.cpp).
enum class PepitaVariant { modulated, forward, mixed, mixed_tl };
std::unique_ptr<LearningRule> make_pepita_rule(PepitaVariant variant);
std::unique_ptr<LearningRule> make_mempepita_rule();
std::unique_ptr<LearningRule> make_bp_rule();
std::unique_ptr<LearningRule> make_fa_rule();
std::unique_ptr<LearningRule> make_dfa_rule();
std::unique_ptr<LearningRule> make_drtp_rule();

}  // namespace pepita
