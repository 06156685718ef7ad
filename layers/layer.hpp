#pragma once
// A layer's computation: its weights, their SGD-with-momentum state, and the oneDNN primitives
// that use them. Graph nodes own one each; learning rules differ only in what they feed it.
#include <span>

#include "layers/tensor.hpp"

namespace pepita {

class Layer {
 public:
  virtual ~Layer() = default;

  virtual int inputs() const = 0;   // values per sample in (C×H×W flattened)
  virtual int outputs() const = 0;  // values per sample out
  // Output positions that share each weight: OH×OW for a convolution, 1 for a dense layer.
  virtual int positions() const { return 1; }

  virtual std::span<float> weights() = 0;
  virtual std::span<const float> weights() const = 0;
  virtual std::span<float> velocity() = 0;
  virtual std::span<const float> velocity() const = 0;

  // out = σ(W ∗ in), times the dropout mask (rows × outputs) when one is given. With `weights`,
  // the same computation through another version of W (a weight stash), same shape.
  virtual void forward(const Tensor& in, Tensor& out, const Tensor* mask, std::span<const float> weights = {}) = 0;

  // One SGD-with-momentum step, v ← μ·v + scale·ΔW, W ← W − v, where ΔW is the weight-gradient
  // form of (post, pre) summed over the batch: postᵀ·pre for a dense layer, and for a convolution
  // the sum over output positions of post × the matching patch of pre. The caller picks scale
  // (η/N for a batch mean, η/(N·positions) for PEPITA's per-position mean).
  virtual void learn(const Tensor& post, const Tensor& pre, float scale) = 0;

  // GPipe: G ← G + scale·ΔW now, and at the flush one step from G (v ← μ·v + scale·G, W ← W − v,
  // G ← 0).
  virtual void accumulate(const Tensor& post, const Tensor& pre, float scale) = 0;
  virtual void apply_accumulated(float scale) = 0;

  // grad_in = the gradient with respect to the input of Σ post·(W ∗ in), computed through
  // `through` instead of W when given (FA's fixed feedback weights, same shape as W).
  virtual void backward_data(const Tensor& post, Tensor& grad_in, std::span<const float> through = {}) = 0;
};

}  // namespace pepita
