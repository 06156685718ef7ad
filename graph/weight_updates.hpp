#pragma once
// How a layer's updates reach its weights: at once, or summed until the scheduler's flush (GPipe).
// It also records, when an update lands, how long its batch held the layer (update-locking latency
// in seconds) and how many other updates reached W in between (staleness).
#include <chrono>
#include <cstdint>
#include <vector>

#include "graph/flow_policy.hpp"
#include "graph/layer_metrics.hpp"
#include "layers/layer.hpp"

namespace pepita {

// How an update is normalised over the batch: a mean (its scale holds 1/rows), or a sum (DRTP's
// hidden layers, after Frenkel's code). A deferred update needs to know, to renormalise at the flush.
enum class Normalisation { batch_mean, batch_sum };

class WeightUpdates {
 public:
  using Clock = std::chrono::steady_clock;
  // What the batch's standard pass left for its update to be measured against.
  struct Since {
    Clock::time_point standard_done;
    std::uint64_t weight_version = 0;
  };

  WeightUpdates(Layer& layer, UpdateMode mode, LayerMetrics& metrics) : layer_(layer), mode_(mode), metrics_(metrics) {}

  // ΔW from (post, pre) times `scale`, into W now or into the sum that waits for the flush. `samples`
  // is the batch's: a batch mean's scale holds 1/samples, while post may stack several passes' rows.
  void apply(const Tensor& post, const Tensor& pre, float scale, Normalisation normalisation, int samples, Since since);
  // One optimizer step from the updates summed over `rows` samples since the last flush.
  void flush(int rows);
  // Updates W has received: its version.
  std::uint64_t version() const { return version_; }

 private:
  void record_landing(const Since& since);

  Layer& layer_;
  UpdateMode mode_;
  LayerMetrics& metrics_;
  std::uint64_t version_ = 0;
  std::vector<Since> awaiting_flush_;
  Normalisation deferred_normalisation_ = Normalisation::batch_mean;
};

}  // namespace pepita
