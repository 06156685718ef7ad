#include "graph/weight_updates.hpp"

namespace pepita {

void WeightUpdates::apply(const Tensor& post, const Tensor& pre, float scale, Normalisation normalisation, int samples,
                          Since since) {
  switch (mode_) {
    case UpdateMode::immediate:
      layer_.learn(post, pre, scale);
      record_landing(since);
      ++version_;
      return;
    case UpdateMode::deferred:
      // A batch mean is taken over the whole group at the flush, so sum the micro-batch's rows.
      deferred_normalisation_ = normalisation;
      layer_.accumulate(post, pre, normalisation == Normalisation::batch_mean ? scale * float(samples) : scale);
      awaiting_flush_.push_back(since);
      return;
  }
}

void WeightUpdates::flush(int rows) {
  layer_.apply_accumulated(deferred_normalisation_ == Normalisation::batch_mean ? 1.0f / float(rows) : 1.0f);
  for (const Since& since : awaiting_flush_) record_landing(since);  // GPipe's lock ends at the flush
  awaiting_flush_.clear();
  ++version_;
}

void WeightUpdates::record_landing(const Since& since) {
  metrics_.latency_seconds.push_back(std::chrono::duration<double>(Clock::now() - since.standard_done).count());
  metrics_.staleness.push_back(version_ - since.weight_version);
}

}  // namespace pepita
