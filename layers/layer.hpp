#pragma once
// A layer's computation: its weights, the optimizer that changes them, and the oneDNN primitives
// that use them. Graph nodes own one each; learning rules differ only in what they feed it.
// What differs between layers is how ΔW is formed; the step itself is the optimizer's (sgd.hpp).
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "layers/activation.hpp"
#include "layers/sgd.hpp"
#include "layers/tensor.hpp"

namespace pepita {

// Where a layer's weights live. Across ranks every process builds the whole graph, but only the
// rank that runs a layer holds its W and optimizer state; the others keep its shape alone, so that
// a model larger than one machine fits on the ranks that share it.
enum class WeightStorage { here, elsewhere };

class Layer {
 public:
  virtual ~Layer() = default;

  virtual int inputs() const = 0;   // values per sample in (C×H×W flattened)
  virtual int outputs() const = 0;  // values per sample out
  // Output positions that share each weight: OH×OW for a convolution, 1 for a dense layer.
  virtual int positions() const { return 1; }
  Activation activation() const { return activation_; }  // σ

  // Writable access counts as a change of W: a layer that keeps W converted for its primitives
  // (bf16) converts again before its next use. Read through the const overload to avoid that.
  std::span<float> weights() {
    ++weights_revision_;
    return weights_;
  }
  std::span<const float> weights() const { return weights_; }
  std::uint64_t weights_revision() const { return weights_revision_; }
  // The size of W whether or not this process holds it; weights() is empty where it does not.
  std::size_t parameter_count() const { return parameter_count_; }
  bool holds_weights() const { return !weights_.empty(); }
  // The graph sets η (for weight decay) and λ here.
  Sgd& optimizer() { return optimizer_; }
  const Sgd& optimizer() const { return optimizer_; }
  std::span<float> velocity() { return optimizer_.velocity(); }
  std::span<const float> velocity() const { return optimizer_.velocity(); }

  // out = σ(W ∗ in), times the dropout mask (rows × outputs) when one is given. With `weights`,
  // the same computation through another version of W (a weight stash), same shape.
  virtual void forward(const Tensor& in, Tensor& out, const Tensor* mask, std::span<const float> weights = {}) = 0;

  // z = W ∗ in, the pre-activation: forward without σ or a mask.
  virtual void forward_linear(const Tensor& in, Tensor& out, std::span<const float> weights = {}) = 0;

  // out = σ(z) ⊙ mask (when given): forward's second half, for a z that forward_linear made and the
  // caller then changed (a stash kept as updates adds their terms to W now's product). Element-wise
  // here; a layer whose σ is not (a dense output's softmax) overrides it.
  virtual void activate_linear(const Tensor& z, Tensor& out, const Tensor* mask) {
    activate(z, nullptr, mask, activation_, out);
  }

  // One optimizer step, v ← μ·v + scale·ΔW (+ η·λ·W), W ← W − v, where ΔW is the weight-gradient
  // form of (post, pre) summed over the batch: postᵀ·pre for a dense layer, and for a convolution
  // the sum over output positions of post × the matching patch of pre. The caller picks scale
  // (η/N for a batch mean, η/(N·positions) for PEPITA's per-position mean).
  virtual void learn(const Tensor& post, const Tensor& pre, float scale) = 0;

  // GPipe: G ← G + scale·ΔW now, and at the flush the optimizer's one step from G (v ← μ·v +
  // scale·G (+ η·λ·W), W ← W − v, G ← 0).
  virtual void accumulate(const Tensor& post, const Tensor& pre, float scale) = 0;
  void apply_accumulated(float scale) { optimizer_.flush(weights(), scale); }

  // grad_in = the gradient with respect to the input of Σ post·(W ∗ in), computed through
  // `through` instead of W when given (FA's fixed feedback weights, same shape as W).
  virtual void backward_data(const Tensor& post, Tensor& grad_in, std::span<const float> through = {}) = 0;

 protected:
  // `weight_count` weights, all zero until an initialiser fills them; none, with their optimizer
  // state, when they live `elsewhere`.
  Layer(std::size_t weight_count, Activation activation, float momentum, WeightStorage storage)
      : activation_(activation),
        parameter_count_(weight_count),
        weights_(storage == WeightStorage::here ? weight_count : 0, 0.0f),
        optimizer_(weights_.size(), momentum) {}
  // Moves only: the optimizer's primitive points into its velocity, and a move keeps that buffer.
  Layer(Layer&&) = default;
  Layer& operator=(Layer&&) = default;

  // What a primitive should read as W: `stand_in` (a stash, feedback weights) when given, else W.
  // `what` names the stand-in in the error thrown when it is not shaped like W.
  const float* weights_or(std::span<const float> stand_in, const char* what) const {
    if (stand_in.empty()) return weights_.data();
    if (stand_in.size() != weights_.size()) throw std::invalid_argument(std::string(what) + " must have the shape of W");
    return stand_in.data();
  }

 private:
  Activation activation_;
  std::size_t parameter_count_;
  std::vector<float> weights_;
  std::uint64_t weights_revision_ = 0;
  Sgd optimizer_;
};

}  // namespace pepita
