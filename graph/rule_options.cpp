#include "graph/rule_options.hpp"

#include <stdexcept>

namespace pepita {

Rule parse_rule(const std::string& name) {
  if (name == "pepita") return Rule::pepita;
  if (name == "bp") return Rule::bp;
  if (name == "fa") return Rule::fa;
  if (name == "dfa") return Rule::dfa;
  if (name == "drtp") return Rule::drtp;
  throw std::invalid_argument("--rule: '" + name + "' is not one of: " + rule_names);
}

std::string to_string(Rule rule) {
  switch (rule) {
    case Rule::pepita: return "pepita";
    case Rule::bp: return "bp";
    case Rule::fa: return "fa";
    case Rule::dfa: return "dfa";
    case Rule::drtp: return "drtp";
  }
  return "?";
}

}  // namespace pepita
