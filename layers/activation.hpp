#pragma once
#include <string>

#include "layers/tensor.hpp"

namespace pepita {

// The non-linearity σ_l at a layer's output.
enum class Activation { identity, relu, tanh, sigmoid, softmax };

std::string to_string(Activation activation);

// grad ← grad ⊙ ∂h/∂z, in place, from the layer's output h = σ(z) ⊙ mask (mask may be null):
// what turns a gradient with respect to a hidden layer's output into one at its input.
// Defined for relu, tanh and identity.
void multiply_by_derivative(Tensor& grad, const Tensor& activity, const Tensor* mask, Activation activation);

// h = σ(z + extra) ⊙ mask, element by element (extra and mask may be null): the activation applied
// outside a primitive, for a layer that keeps its pre-activation z. Defined for relu, tanh,
// sigmoid and identity; softmax is not element-wise.
void activate(const Tensor& z, const Tensor* extra, const Tensor* mask, Activation activation, Tensor& h);

// h ← h / ‖h‖_F over the whole batch (one scalar, so the scale depends on the batch size): the ICLR
// 2024 follow-up's activity normalisation. An all-zero batch stays zero.
void divide_by_frobenius_norm(Tensor& activity);

// h_s ← h_s / ‖h_s‖ for each sample s of the batch (each row of the tensor, whatever the layout
// of a sample's features). A sample whose activity is all zero stays zero.
void divide_samples_by_their_norm(Tensor& activity);

}  // namespace pepita
