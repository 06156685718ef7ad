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

// Between two messages that an order ranks alike: the older batch first, and within one batch a
// mirror pass after the other. The mirror pass reads the weights the batch's own update leaves
// (FOLLOWUP.md §2: W step, then mirror), and the queue's heap would otherwise take the two in
// either order, which across ranks depends on when each arrived.
bool older_batch_first_mirror_last(const Message& a, const Message& b) {
  if (a.batch->id != b.batch->id) return a.batch->id > b.batch->id;
  return a.pass == Pass::mirror && b.pass != Pass::mirror;
}

// The kind of work `preferred` names first; between messages of the same kind, the older batch
// (and a batch's mirror pass last).
template <bool learning_preferred>
bool prefer(const Message& a, const Message& b) {
  const bool a_learns = is_learning_signal(a.pass), b_learns = is_learning_signal(b.pass);
  if (a_learns != b_learns) return learning_preferred ? b_learns : a_learns;
  return older_batch_first_mirror_last(a, b);
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
  return older_batch_first_mirror_last(a, b);
}

}  // namespace

const MessageOrder MessageOrder::learning_first{"learning first", &prefer<true>};
const MessageOrder MessageOrder::standard_first{"standard first", &prefer<false>};
const MessageOrder MessageOrder::none{"none", &no_preference};
const MessageOrder MessageOrder::zero_bubble{"zero bubble", &zero_bubble_order};

std::string to_string(const Staleness& staleness) {
  if (!staleness.fixed) return "timing";
  if (staleness.lags.empty()) return "fixed";
  std::string text;
  for (int lag : staleness.lags) {
    if (!text.empty()) text += ',';
    text += std::to_string(lag);
  }
  return text;
}

void require_valid_lags(const Staleness& staleness, int in_flight, std::optional<int> learning_layers) {
  if (!staleness.fixed || staleness.lags.empty()) return;
  const auto refuse = [&](const std::string& problem) {
    return std::invalid_argument("--staleness " + to_string(staleness) + ": " + problem);
  };
  const std::vector<int>& lags = staleness.lags;
  for (std::size_t l = 0; l < lags.size(); ++l) {
    if (lags[l] < 0 || lags[l] > in_flight - 1)
      throw refuse("a lag is at most K - 1 = " + std::to_string(in_flight - 1) + " (with --in-flight " + std::to_string(in_flight) + ")");
    // A learning visit at layer l waits for the standard pass lag_l batches later, which passes
    // each layer m below only after m's learning visit lag_l − lag_m − 1 batches after this one
    // (graph/fixed_interleave.hpp): with lag_l above lag_m that visit waits on this one.
    if (l > 0 && lags[l] > lags[l - 1]) throw refuse("a lag may not exceed the lag of the layer below it, or the order would wait on itself");
  }
  if (learning_layers && lags.size() > 1 && int(lags.size()) != *learning_layers)
    throw refuse(std::to_string(lags.size()) + " lags for " + std::to_string(*learning_layers) +
                 " learning layers (give one lag, or one per layer)");
}

}  // namespace pepita
