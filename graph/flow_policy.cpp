#include "graph/flow_policy.hpp"

#include <stdexcept>
#include <string>

namespace pepita {

bool is_learning_signal(Pass pass) {
  switch (pass) {
    case Pass::modulated:
    case Pass::error:
    case Pass::backward:
    case Pass::weight:
    case Pass::mirror: return true;  // after the batch's updates, before any later batch's standard pass
    case Pass::standard:
    case Pass::evaluate:
    case Pass::feedback: return false;
  }
  return false;
}

namespace {

// The kind of work `preferred` names first; between messages of the same kind, the older batch.
template <bool learning_preferred>
bool prefer(const Message& a, const Message& b) {
  const bool a_learns = is_learning_signal(a.pass), b_learns = is_learning_signal(b.pass);
  if (a_learns != b_learns) return learning_preferred ? b_learns : a_learns;
  return a.batch->id > b.batch->id;
}

bool no_preference(const Message&, const Message&) { return false; }

// B, then F, then W: what another stage waits for before what only this stage needs.
int zero_bubble_rank(Pass pass) {
  if (pass == Pass::weight) return 2;
  return is_learning_signal(pass) ? 0 : 1;
}

bool zero_bubble_order(const Message& a, const Message& b) {
  const int a_rank = zero_bubble_rank(a.pass), b_rank = zero_bubble_rank(b.pass);
  if (a_rank != b_rank) return a_rank > b_rank;
  return a.batch->id > b.batch->id;
}

}  // namespace

const MessageOrder MessageOrder::learning_first{"learning first", &prefer<true>};
const MessageOrder MessageOrder::standard_first{"standard first", &prefer<false>};
const MessageOrder MessageOrder::none{"none", &no_preference};
const MessageOrder MessageOrder::zero_bubble{"zero bubble", &zero_bubble_order};

void require_lags_for(const Staleness& staleness, int learning_layers) {
  if (!staleness.fixed || staleness.lags.size() <= 1 || int(staleness.lags.size()) == learning_layers) return;
  throw std::invalid_argument("--staleness: " + std::to_string(staleness.lags.size()) + " lags for " +
                              std::to_string(learning_layers) + " learning layers (give one lag, or one per layer)");
}

}  // namespace pepita
