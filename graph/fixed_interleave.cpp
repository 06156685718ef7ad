#include "graph/fixed_interleave.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "graph/flow_policy.hpp"

namespace pepita {

void FixedInterleave::begin_run(std::span<const BatchHandle> batches, Pass pass) {
  training_ = pass == Pass::standard;
  place_.clear();
  held_standard_.clear();
  held_learning_.clear();
  standard_done_ = learnt_ = 0;
  if (!training_) return;
  place_.reserve(batches.size());
  for (std::size_t i = 0; i < batches.size(); ++i) place_.emplace(batches[i]->id, std::int64_t(i));
}

bool FixedInterleave::gated(Pass pass) { return pass == Pass::standard || is_learning_signal(pass); }

std::int64_t FixedInterleave::place_of(const Message& message) const {
  const auto found = place_.find(message.batch->id);
  if (found == place_.end())
    throw std::logic_error("a " + std::string(to_string(message.pass)) + " message for batch " +
                           std::to_string(message.batch->id) + ", which is not in the run");
  return found->second;
}

bool FixedInterleave::due(const Message& message) const {
  if (!training_ || !gated(message.pass)) return true;
  const std::int64_t place = place_of(message);
  // A standard pass also waits for the learning visit lag + 1 batches before it. With the lag at
  // K − 1 the limiter already made it wait so; with a smaller lag this keeps the updates landed since
  // a batch's standard pass at exactly the lag instead of at least it.
  if (message.pass == Pass::standard) return place == standard_done_ && learnt_ >= place - lag_;
  // The standard pass `lag` batches later, or the run's last where there is none so late.
  const std::int64_t awaited = std::min(place + lag_, std::int64_t(place_.size()) - 1);
  return place == learnt_ && standard_done_ > awaited;
}

void FixedInterleave::hold(const Message& message) {
  auto& held = message.pass == Pass::standard ? held_standard_ : held_learning_;
  if (!held.emplace(place_of(message), message).second)
    throw std::logic_error("two " + std::string(to_string(message.pass)) + " messages for batch " +
                           std::to_string(message.batch->id) + " at one layer");
}

void FixedInterleave::ran(const Message& message) {
  if (!training_ || !gated(message.pass)) return;
  if (message.pass == Pass::standard) ++standard_done_;
  else ++learnt_;
}

std::optional<Message> FixedInterleave::take_due() {
  // Only the oldest held message of each kind can be due: both kinds run in the run's order.
  for (auto* held : {&held_learning_, &held_standard_}) {
    if (held->empty() || !due(held->begin()->second)) continue;
    Message message = std::move(held->begin()->second);
    held->erase(held->begin());
    return message;
  }
  return std::nullopt;
}

std::optional<FixedInterleave> fixed_interleave_for(const FlowPolicy& flow, const LearningRule& rule, const LayerPlace& place) {
  if (!flow.staleness.fixed || !rule.learns_after_standard_pass(place, flow.backward)) return std::nullopt;
  return FixedInterleave(flow.staleness.lag_of(place.index, flow.in_flight));
}

}  // namespace pepita
