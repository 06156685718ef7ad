#pragma once
// Two-compartment neurons. The soma holds a batch's standard-pass activity from its standard pass
// until the visit that updates — the learning signal's, or under a split backward the W visit
// after it (that lifetime is the layer's update-locking latency); the dendrite integrates the
// modulated pass. Their mismatch drives plasticity.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "graph/batch_store.hpp"
#include "layers/tensor.hpp"

namespace pepita {

struct SomaEntry {
  std::uint64_t batch = 0;
  TensorHandle activity;     // h_l of the standard pass
  TensorHandle presynaptic;  // h_{l-1} of the standard pass, kept only when a rule learns from it
  TensorHandle mask;         // the dropout mask, shared by both passes of the batch
  // z_l = W_l h_{l-1} before σ and the mask, kept when the modulated pass is integrated as a
  // difference from the standard one (bf16; layer_node.hpp)
  TensorHandle preactivation;
  TensorHandle stash;        // W_l as the standard pass saw it, under the stash policy
  std::uint64_t weight_version = 0;  // updates W_l had received at the standard pass
  std::uint32_t hops = 0;            // the batch's logical clock at the end of the standard work
  std::uint64_t weight_fingerprint = 0;  // of the weights the standard pass used (tests only)
  std::chrono::steady_clock::time_point standard_done;
};

class Soma {
 public:
  void keep(SomaEntry entry) {
    const std::uint64_t batch = entry.batch;
    entries_.keep(batch, std::move(entry));
    peak_bytes_ = std::max(peak_bytes_, held_bytes(false));
    peak_stash_bytes_ = std::max(peak_stash_bytes_, held_bytes(true));
  }
  SomaEntry release(std::uint64_t batch) { return entries_.release(batch); }
  // The entry, still held: for a visit after which another visit of the batch still needs it.
  const SomaEntry& entry(std::uint64_t batch) const { return entries_.at(batch); }
  std::size_t batches_held() const { return entries_.size(); }
  // The oldest weight version a held batch's standard pass used, or `otherwise` when none is held.
  std::uint64_t oldest_weight_version(std::uint64_t otherwise) const {
    for (const auto& [batch, e] : entries_) otherwise = std::min(otherwise, e.weight_version);
    return otherwise;
  }
  std::size_t peak_bytes() const { return peak_bytes_; }  // activity, presynaptic, masks, pre-activation
  std::size_t peak_stash_bytes() const { return peak_stash_bytes_; }  // weight stashes

 private:
  std::size_t held_bytes(bool stashes) const {
    std::size_t total = 0;
    for (const auto& [batch, e] : entries_)
      for (const TensorHandle* t : {&e.activity, &e.presynaptic, &e.mask, &e.preactivation, &e.stash})
        if (*t && (t == &e.stash) == stashes) total += (*t)->size() * sizeof(float);
    return total;
  }
  BatchStore<SomaEntry> entries_{"soma", "standard activity"};
  std::size_t peak_bytes_ = 0;
  std::size_t peak_stash_bytes_ = 0;
};

class Dendrite {
 public:
  // The modulated activity of the batch being learnt; the layer writes h_l^err into it.
  void integrate(TensorHandle activity) {
    activity_ = std::move(activity);
    peak_bytes_ = std::max(peak_bytes_, activity_->size() * sizeof(float));
  }
  const TensorHandle& activity() const { return activity_; }
  // Hands the activity downstream once the update is done.
  TensorHandle release() { return std::move(activity_); }
  std::size_t peak_bytes() const { return peak_bytes_; }

 private:
  TensorHandle activity_;
  std::size_t peak_bytes_ = 0;
};

// soma − dendrite, element by element, into `out`.
inline void mismatch(const Tensor& soma, const Tensor& dendrite, Tensor& out) {
  out.rows = soma.rows;
  const std::size_t n = soma.size();
  const float* a = soma.data();
  const float* b = dendrite.data();
  float* d = out.data();
#pragma omp parallel for simd schedule(static) if (parallel : n >= parallel_pass_values)
  for (std::size_t i = 0; i < n; ++i) d[i] = a[i] - b[i];
}

}  // namespace pepita
