#pragma once
// The learning rules by name, each with what the paper says of it. A rule is parsed once, into a
// RuleChoice; after that nothing compares its name. The built-in rules are the table in
// rule_registry.cpp; others register at start-up:
//
//   const RuleRegistration mine{{"mine", "what it does", {0.1, 0.1, 0.01, 0.01}}, std::make_unique<MyRule>()};
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "graph/learning_rule.hpp"

namespace pepita {

// The paper's experiment a learning rate is looked up for (SETTINGS.md, Table 2).
struct PaperSetting {
  bool conv = false;  // the convolutional model, else fully connected
  bool mnist = true;  // MNIST-like data, else CIFAR
};

// A rule's η in each of the paper's experiments (Table 2).
struct PaperRates {
  double mnist_fc, mnist_conv, cifar_fc, cifar_conv;
  double of(const PaperSetting& s) const { return s.mnist ? (s.conv ? mnist_conv : mnist_fc) : (s.conv ? cifar_conv : cifar_fc); }
};

// What names a rule, and the paper's rates for it.
struct RuleInfo {
  std::string_view name;     // what --rule takes
  std::string_view summary;  // one line, for --help
  PaperRates paper_rates;
};

struct RegisteredRule {
  RuleInfo info;
  std::unique_ptr<LearningRule> rule;
};

// Every registered rule, built-ins first, in registration order.
const std::vector<RegisteredRule>& registered_rules();
// "pepita, bp, fa, dfa, drtp", for help texts and errors.
std::string rule_names();

// Adds a rule for the life of the program; throws std::logic_error if its name is taken.
struct RuleRegistration {
  RuleRegistration(const RuleInfo& info, std::unique_ptr<LearningRule> rule);
};

// A registered rule, chosen by name. Converts from a name (throwing std::invalid_argument that
// lists the known rules) so that configurations and tests can say `config.rule = "bp"`.
class RuleChoice {
 public:
  RuleChoice(std::string_view name);  // NOLINT(google-explicit-constructor): a name is a rule
  RuleChoice(const std::string& name) : RuleChoice(std::string_view(name)) {}
  RuleChoice(const char* name) : RuleChoice(std::string_view(name)) {}

  const LearningRule& operator*() const { return *entry_->rule; }
  const LearningRule* operator->() const { return entry_->rule.get(); }
  std::string name() const { return std::string(entry_->info.name); }
  std::string_view summary() const { return entry_->info.summary; }
  double paper_learning_rate(const PaperSetting& setting) const { return entry_->info.paper_rates.of(setting); }
  friend bool operator==(const RuleChoice& a, const RuleChoice& b) { return a.entry_ == b.entry_; }

 private:
  const RegisteredRule* entry_;
};

}  // namespace pepita
