#include "graph/flow_policy.hpp"

namespace pepita {

bool is_learning_signal(Pass pass) {
  switch (pass) {
    case Pass::modulated:
    case Pass::error:
    case Pass::backward: return true;
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

}  // namespace

const MessageOrder MessageOrder::learning_first{"learning first", &prefer<true>};
const MessageOrder MessageOrder::standard_first{"standard first", &prefer<false>};
const MessageOrder MessageOrder::none{"none", &no_preference};

}  // namespace pepita
