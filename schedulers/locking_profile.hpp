#pragma once
// How long each layer must hold a batch before it can update, in stages: node visits on the
// batch's own path from the end of the layer's standard work to its update, every node costing
// one unit. Derivation (layers l = 1…L, one visit each per pass; docs/schedulers.md):
//   pepita  layers l+1…L, error, projection, input, layers 1…l        → L + 3, for every layer
//   bp, fa  layers l+1…L, error, then back down L…l                    → 2(L − l) + 2
//   dfa     layers l+1…L, error, then layer l directly                 → L − l + 2
//   drtp    hidden: updates within its standard visit                   → 0; output: error, L → 2
#include "graph/rule_options.hpp"

namespace pepita {

// `layer` counts from 1; `layers` is L, output included.
constexpr int analytic_locking_stages(Rule rule, int layers, int layer) {
  switch (rule) {
    case Rule::pepita: return layers + 3;
    case Rule::bp:
    case Rule::fa: return 2 * (layers - layer) + 2;
    case Rule::dfa: return layers - layer + 2;
    case Rule::drtp: return layer == layers ? 2 : 0;
  }
  return -1;
}

}  // namespace pepita
