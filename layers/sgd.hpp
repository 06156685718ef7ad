#pragma once
// SGD with momentum and weight decay: the one place a layer's weights change. Layers form the
// weight gradient ΔW their way and hand it here, as tiny-dnn's layers hand theirs to
// optimizer::update; GPipe's accumulate-then-flush lives here too, so every layer gets it alike.
//
// The step is torch's SGD with η folded into the scale the caller passes:
//   v ← μ·v + scale·ΔW + η·λ·W,   W ← W − v
// where the decay term is left out altogether while η·λ = 0 (adding 0·W would turn −0 into +0 and
// cost a pass over W for nothing).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "layers/dnnl_context.hpp"

namespace pepita {

class Sgd {
 public:
  // An optimizer for `size` weights, its velocity zero. μ is fixed for life: a dense layer bakes
  // it into its update primitive.
  Sgd(std::size_t size, float momentum);
  // The fused subtraction is bound into this object's velocity: a move keeps that buffer, a copy
  // would share the primitive's memory objects with the original.
  Sgd(const Sgd&) = delete;
  Sgd& operator=(const Sgd&) = delete;
  Sgd(Sgd&&) = default;
  Sgd& operator=(Sgd&&) = default;

  float momentum() const { return momentum_; }
  // λ, and the current η that the decay term is scaled by; both 0 until set.
  float weight_decay() const { return weight_decay_; }
  void set_weight_decay(float lambda) { weight_decay_ = lambda; }
  float learning_rate() const { return learning_rate_; }
  void set_learning_rate(float eta) { learning_rate_ = eta; }

  std::span<float> velocity() { return velocity_; }
  std::span<const float> velocity() const { return velocity_; }
  // GPipe's G, zero-filled on the first call: only GPipe pays for it.
  std::span<float> accumulator();

  // v ← μ·v + scale·delta (+ η·λ·W), W ← W − v.
  void step(std::span<float> weights, std::span<const float> delta, float scale);
  // G ← G + scale·delta.
  void accumulate(std::span<const float> delta, float scale);
  // One step from G, then G ← 0; nothing if nothing was accumulated.
  void flush(std::span<float> weights, float scale);

  // The fused path, for a layer whose own primitive formed v ← μ·v + scale·ΔW in velocity()
  // (or G ← G + scale·ΔW in accumulator()): adds η·λ·W to v, then W ← W − v.
  void apply_velocity(std::span<float> weights);
  // The same, for a layer whose matmuls read W in bf16: W's copy is rounded in the pass that
  // writes W, instead of by a reorder that reads all of W again (W's size in `rounded`).
  void apply_velocity(std::span<float> weights, std::span<std::uint16_t> rounded);

 private:
  float decay_factor() const { return learning_rate_ * weight_decay_; }  // η·λ
  void add_decay(std::span<const float> weights);                        // v ← v + η·λ·W, if η·λ ≠ 0
  void require_size(std::span<const float> values) const;

  float momentum_;
  float weight_decay_ = 0.0f;
  float learning_rate_ = 0.0f;
  std::vector<float> velocity_;
  std::vector<float> accumulated_;  // GPipe's G; empty until first used
  // W ← W − v as a oneDNN primitive (it runs on oneDNN's threads; a dense layer's W is large),
  // built on the first apply_velocity. Layers that never fuse never build it.
  BoundPrimitive subtract_velocity_;
  dnnl::stream stream_;
};

}  // namespace pepita
