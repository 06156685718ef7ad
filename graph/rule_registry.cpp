#include "graph/rule_registry.hpp"

#include "graph/named_registry.hpp"
#include "graph/rules/builtin_rules.hpp"

namespace pepita {

std::string_view name_of(const RegisteredRule& entry) { return entry.info.name; }

namespace {

// The built-in rules, with Table 2's learning rates (SETTINGS.md). Built on first use, so that
// registrations from other translation units' static objects find it.
NamedRegistry<RegisteredRule>& rule_registry() {
  static NamedRegistry<RegisteredRule> rules = [] {
    std::vector<RegisteredRule> built_ins;
    //                                                                       η: MNIST fc, conv; CIFAR fc, conv
    built_ins.push_back({{"pepita", "two forward passes, the second modulated by F·e (the paper's rule)",
                          {0.1, 0.1, 0.01, 0.1}}, make_pepita_rule(PepitaVariant::modulated)});
    // The follow-up's variants (FOLLOWUP.md §4) gave no rates of their own: PEPITA's.
    built_ins.push_back({{"pepita-forward", "PEPITA with the standard pass's presynaptic activity: (h − h_err)·h_prevᵀ (the follow-up's forward)",
                          {0.1, 0.1, 0.01, 0.1}}, make_pepita_rule(PepitaVariant::forward)});
    built_ins.push_back({{"pepita-mixed", "PEPITA as a difference of Hebbian terms: h·h_prevᵀ − h_err·h_prev_errᵀ (the follow-up's mixed)",
                          {0.1, 0.1, 0.01, 0.1}}, make_pepita_rule(PepitaVariant::mixed)});
    built_ins.push_back({{"pepita-mixed-tl", "time-local PEPITA: h·h_prevᵀ within the standard visit, −h_err·h_prev_errᵀ on the modulated pass; the soma keeps no activity (the follow-up's mixed_tl)",
                          {0.1, 0.1, 0.01, 0.1}}, make_pepita_rule(PepitaVariant::mixed_tl)});
    built_ins.push_back({{"mempepita", "PEPITA with a third pass that recomputes the standard activity beside the modulated one, so no layer keeps it (Pau & Aymone, 2023)",
                          {0.1, 0.1, 0.01, 0.1}}, make_mempepita_rule()});
    built_ins.push_back({{"bp", "backpropagation", {0.1, 0.1, 0.01, 0.01}}, make_bp_rule()});
    built_ins.push_back({{"fa", "feedback alignment: the backward chain through fixed random B_l",
                          {0.1, 0.1, 0.001, 0.01}}, make_fa_rule()});
    // Table 2 has no DFA: it takes FA's rates.
    built_ins.push_back({{"dfa", "direct feedback alignment: e broadcast to every layer through fixed B_l",
                          {0.1, 0.1, 0.001, 0.01}}, make_dfa_rule()});
    built_ins.push_back({{"drtp", "direct random target projection: hidden layers learn from y·B_l at once",
                          {0.01, 0.01, 0.001, 0.01}}, make_drtp_rule()});
    return NamedRegistry<RegisteredRule>("learning rule", std::move(built_ins));
  }();
  return rules;
}

}  // namespace

const std::vector<RegisteredRule>& registered_rules() { return rule_registry().entries(); }

std::string rule_names() { return rule_registry().names(); }

RuleRegistration::RuleRegistration(const RuleInfo& info, std::unique_ptr<LearningRule> rule) {
  rule_registry().add({info, std::move(rule)});
}

RuleChoice::RuleChoice(std::string_view name) : entry_(&rule_registry().at(name, "--rule: ")) {}

void LearningRule::validate(const PepitaOptions& options) const {
  if (options.perturbation != Perturbation::error)
    throw std::invalid_argument("--perturb applies to the PEPITA rules only");
  if (options.mirror.on())
    throw std::invalid_argument("feedback mirroring applies to the PEPITA rules only: the others have no F");
  if (options.normalize_activity)
    throw std::invalid_argument("--normalize-activity applies to the PEPITA rules only: the others would need its derivative");
}

}  // namespace pepita
