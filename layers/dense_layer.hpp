#pragma once
// A fully connected layer without bias, h = σ(x·Wᵀ) ⊙ mask, on oneDNN primitives that are created
// once per batch size and reused. It also owns its SGD-with-momentum state, because the update is
// fused into the primitive that forms it: v ← μ·v + scale·(postᵀ·pre), then W ← W − v.
#include <map>
#include <span>
#include <vector>

#include "layers/activation.hpp"
#include "layers/dnnl_context.hpp"
#include "layers/layer.hpp"

namespace pepita {

class DenseLayer final : public Layer {
 public:
  DenseLayer(int inputs, int outputs, Activation activation, float momentum);

  int inputs() const override { return inputs_; }
  int outputs() const override { return outputs_; }
  Activation activation() const { return activation_; }

  // W is outputs × inputs, row-major.
  std::span<float> weights() override { return weights_; }
  std::span<const float> weights() const override { return weights_; }
  std::span<float> velocity() override { return velocity_; }
  std::span<const float> velocity() const override { return velocity_; }

  // out = σ(in·Wᵀ), times the dropout mask when one is given (rows × outputs).
  void forward(const Tensor& in, Tensor& out, const Tensor* mask, std::span<const float> weights = {}) override;

  // ΔW = postᵀ·pre (post: rows × outputs, pre: rows × inputs); v ← μ·v + scale·ΔW, W ← W − v.
  void learn(const Tensor& post, const Tensor& pre, float scale) override;
  void accumulate(const Tensor& post, const Tensor& pre, float scale) override;
  void apply_accumulated(float scale) override;

  // grad_in = post·W (or post·B with `through` = B).
  void backward_data(const Tensor& post, Tensor& grad_in, std::span<const float> through = {}) override;

 private:
  struct ForwardPrimitives {
    BoundPrimitive plain;
    BoundPrimitive masked;
    BoundPrimitive softmax;
  };
  ForwardPrimitives& forward_primitives(int rows);
  // ΔW formed into the velocity (v ← μ·v + scale·ΔW) or, for GPipe, into the accumulator (G ← G + ΔW).
  BoundPrimitive& learn_primitive(int rows, bool into_accumulator);
  BoundPrimitive& backward_primitive(int rows);
  BoundPrimitive make_forward(int rows, bool masked);
  int mask_argument() const;

  int inputs_;
  int outputs_;
  Activation activation_;
  float momentum_;
  std::vector<float> weights_;
  std::vector<float> velocity_;
  std::vector<float> accumulated_;  // GPipe's G; empty until first used
  float update_scale_ = 0.0f;  // read by the learn primitive as its runtime output scale
  dnnl::stream stream_;
  std::map<int, ForwardPrimitives> forward_by_rows_;
  std::map<std::pair<int, bool>, BoundPrimitive> learn_by_rows_;
  std::map<int, BoundPrimitive> backward_by_rows_;
  BoundPrimitive apply_velocity_;
};

}  // namespace pepita
