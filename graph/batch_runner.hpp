#pragma once
// What a scheduler trains through: the flow graph on the host's threads (TrainingGraph), or the
// same graph on a virtual clock (simulation/simulated_training.hpp, with or without arithmetic).
// A scheduler's control flow (GPipe's groups and flushes) is written once, against this.
#include <cstddef>
#include <functional>
#include <span>

#include "graph/message.hpp"

namespace pepita {

class BatchRunner {
 public:
  // Trains the batches and returns when every admitted one is complete. After every completed
  // batch it asks `stop_requested` (if given); once that answers true, the batches not yet
  // admitted are withdrawn. Returns how many were trained: a prefix of `batches`.
  virtual std::size_t train(std::span<const BatchHandle> batches, const std::function<bool()>& stop_requested) = 0;
  // GPipe's flush: every layer applies the updates accumulated over `rows` samples. Call while idle.
  virtual void flush_updates(int rows) = 0;

 protected:
  ~BatchRunner() = default;
};

}  // namespace pepita
