#pragma once
// A fully connected layer without bias, h = σ(x·Wᵀ) ⊙ mask, on oneDNN primitives that are created
// once per batch size and reused. Its update is the optimizer's fast path: one matmul forms
// postᵀ·pre straight into the optimizer's velocity (v ← μ·v + scale·postᵀ·pre, μ as a sum
// post-op) or GPipe accumulator, and the optimizer then applies v.
//
// In bf16 (precision.hpp) every matmul reads bf16 copies of its f32 operands and writes f32. W's
// copy is made once per change of W (Layer::weights_revision), not once per use: by the optimizer's
// own pass over W when the layer's update changes it, by a reorder otherwise. Activity, the
// learning terms, and a stand-in for W (a stash, FA's B) are converted at each use; the update's
// scaled postsynaptic term is rounded as it is scaled.
#include <cstdint>
#include <span>
#include <utility>

#include "layers/activation.hpp"
#include "layers/dnnl_context.hpp"
#include "layers/layer.hpp"
#include "layers/low_precision_copy.hpp"
#include "layers/precision.hpp"
#include "layers/primitive_cache.hpp"

namespace pepita {

class DenseLayer final : public Layer {
 public:
  DenseLayer(int inputs, int outputs, Activation activation, float momentum, Precision precision = Precision::f32,
             WeightStorage storage = WeightStorage::here);

  int inputs() const override { return inputs_; }
  int outputs() const override { return outputs_; }
  Precision precision() const { return precision_; }

  // W (weights()) is outputs × inputs, row-major.
  // out = σ(in·Wᵀ), times the dropout mask when one is given (rows × outputs).
  void forward(const Tensor& in, Tensor& out, const Tensor* mask, std::span<const float> weights = {}) override;
  void forward_linear(const Tensor& in, Tensor& out, std::span<const float> weights = {}) override;
  void activate_linear(const Tensor& z, Tensor& out, const Tensor* mask) override;

  // ΔW = postᵀ·pre (post: rows × outputs, pre: rows × inputs), formed into the optimizer's
  // velocity (learn) or accumulator (accumulate); learn then has the optimizer apply it.
  void learn(const Tensor& post, const Tensor& pre, float scale) override;
  void accumulate(const Tensor& post, const Tensor& pre, float scale) override;

  // grad_in = post·W (or post·B with `through` = B).
  void backward_data(const Tensor& post, Tensor& grad_in, std::span<const float> through = {}) override;

 private:
  // The argument the dropout mask binds to: the binary post-op after the fused activation, if any.
  int mask_argument() const;
  struct ForwardPrimitives {
    BoundPrimitive plain;
    BoundPrimitive masked;
    BoundPrimitive softmax;
    BoundPrimitive linear;  // without σ or mask, built on first use
  };
  ForwardPrimitives make_forward_primitives(int rows);
  BoundPrimitive make_forward(int rows, bool masked, bool activated = true);
  // Binds the operands of one forward matmul; the caller adds any mask and runs it.
  void bind_forward(BoundPrimitive& matmul, const Tensor& in, Tensor& out, std::span<const float> weights);
  // ΔW formed into the velocity (sum post-op μ: v ← μ·v + scale·ΔW) or, for GPipe, into the
  // accumulator (sum post-op 1: G ← G + scale·ΔW).
  BoundPrimitive make_update(int rows, bool into_accumulator);
  void form_update(const Tensor& post, const Tensor& pre, float scale, bool into_accumulator);
  BoundPrimitive make_backward(int rows);
  // What a matmul reads: the buffer itself in f32, its bf16 copy in `copy` otherwise.
  const void* matmul_input(LowPrecisionCopy& copy, const float* values, std::size_t count);
  // W or the stand-in, as a matmul reads it; W's bf16 copy is refreshed only when W has changed.
  const void* matmul_weights(std::span<const float> stand_in, const char* what);

  int inputs_;
  int outputs_;
  Precision precision_;
  dnnl::memory::data_type input_type_;  // of every matmul's inputs
  // bf16 only: W's copy and the revision of W it was made from; the per-use copies.
  LowPrecisionCopy weights_copy_;
  std::uint64_t copied_revision_ = ~std::uint64_t(0);
  LowPrecisionCopy stand_in_copy_, first_input_copy_, second_input_copy_;
  AlignedFloats scaled_post_;  // f32: scale·post, what the update matmul reads
  dnnl::stream stream_;
  PrimitiveCache<int, ForwardPrimitives> forward_by_rows_;
  PrimitiveCache<std::pair<int, bool>, BoundPrimitive> update_by_rows_;
  PrimitiveCache<int, BoundPrimitive> backward_by_rows_;
};

}  // namespace pepita
