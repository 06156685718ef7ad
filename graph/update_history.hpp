#pragma once
// A weight stash kept as the updates applied since, instead of a copy of W_l.
//
// Under the stash policy a batch learns against W_l as its standard pass saw it. When every update
// is a plain SGD step (no momentum, no weight decay), update k changed W by −s_k·P_kᵀ·Q_k, with P_k
// its postsynaptic rows (rows_k × outputs) and Q_k its presynaptic rows (rows_k × inputs), so
//   W_v = W_now + Σ_{k ≥ v} s_k·P_kᵀ·Q_k
// for the weights at version v. A batch in flight needs only the few updates made since its
// standard pass: at batch 1 each is rank one, (inputs + outputs) values, where a copy of W_l is
// inputs × outputs (784 KB for 784×256, copied at every standard pass).
//
// The terms are applied to the products, never to W: x·W_vᵀ = x·W_nowᵀ + Σ s_k (x·Q_kᵀ)·P_k, and
// δ·W_v = δ·W_now + Σ s_k (δ·P_kᵀ)·Q_k. In exact arithmetic that equals the copy; in floats it
// differs by W's rounding of each step (one ulp of W per update in flight).
#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>

#include "graph/graph_config.hpp"
#include "layers/tensor.hpp"

namespace pepita {

// What decides how a layer holds its stash, as the graph's configuration gives it; the layer node
// and the analytic memory model (simulation/memory_model.hpp) both ask it.
struct StashSettings {
  FlowPolicy flow;
  float momentum = 0.9f;
  float weight_decay = 0.0f;
  int batch_rows = 64;

  static StashSettings of(const GraphConfig& graph) {
    return {.flow = graph.flow, .momentum = graph.momentum, .weight_decay = graph.weight_decay, .batch_rows = graph.batch_rows};
  }
  // Whether a layer of this stage keeps a stash at all: under the stash policy, where its learning
  // pass computes with W_l.
  bool stashes(bool learning_reads_weights) const { return flow.weights == WeightPolicy::stash && learning_reads_weights; }
  // Whether such a layer keeps it as an UpdateHistory rather than a copy: a dense layer whose every
  // step is plain SGD applied at once (no momentum, no weight decay, no GPipe sum), as --stash-form
  // asks; `auto` takes it where the updates of the batches in flight are smaller than W_l.
  bool as_updates(const StageSpec& stage, std::size_t inputs, std::size_t outputs) const;
};

class UpdateHistory {
 public:
  UpdateHistory(int inputs, int outputs) : inputs_(inputs), outputs_(outputs) {}

  // The update that took W from `version` to version + 1: W ← W − scale·postᵀ·pre.
  void record(std::uint64_t version, const Tensor& post, const Tensor& pre, float scale);
  // out += x·(W_version − W_now)ᵀ, for x (rows × inputs) and out (rows × outputs).
  void add_to_forward(std::uint64_t version, const Tensor& x, Tensor& out) const;
  // grad += δ·(W_version − W_now), for δ (rows × outputs) and grad (rows × inputs).
  void add_to_backward(std::uint64_t version, const Tensor& delta, Tensor& grad) const;
  // W_version itself, from W now: for tests and weight-use records only, never on the hot path.
  void reconstruct(std::uint64_t version, std::span<const float> now, std::span<float> out) const;
  // Drops the updates that no batch still in flight needs: those before `version`.
  void forget_before(std::uint64_t version);
  // Whether any update since `version` is held: without one, W now is the batch's W.
  bool changed_since(std::uint64_t version) const;
  std::size_t bytes() const;
  std::size_t peak_bytes() const { return peak_bytes_; }

 private:
  struct Step {
    std::uint64_t version;  // W's version before this update
    float scale;
    int rows;
    AlignedFloats post;  // rows × outputs
    AlignedFloats pre;   // rows × inputs
  };

  // One factor of every step: `read` dotted with each row of `in` gives the coefficient of `write`
  // added to that row of `out`.
  using Factor = AlignedFloats Step::*;
  void add_terms(std::uint64_t version, const Tensor& in, Tensor& out, Factor read, Factor write) const;

  int inputs_;
  int outputs_;
  std::deque<Step> steps_;  // oldest first, consecutive versions
  std::size_t peak_bytes_ = 0;
};

}  // namespace pepita
