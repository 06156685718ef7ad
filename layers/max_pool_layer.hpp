#pragma once
// Max pooling over NCHW images held as rows × (C·H·W) tensors. It has no weights, so it is not a
// Layer: the node that owns a convolution runs it. Training keeps a workspace that records where
// each maximum came from, which is what backward routes the gradient through.
#include <cstddef>

#include "data/dataset.hpp"
#include "layers/dnnl_context.hpp"
#include "layers/image_layout.hpp"
#include "layers/primitive_cache.hpp"
#include "layers/tensor.hpp"

namespace pepita {

class MaxPool {
 public:
  // Non-overlapping windows: the stride is the window.
  explicit MaxPool(ImageShape input, int window = 2) : MaxPool(input, window, window) {}
  // `input_layout` is how the input arrives (and grad_in leaves); the output is always nchw.
  MaxPool(ImageShape input, int window, int stride, ImageLayout input_layout = ImageLayout::nchw);

  ImageShape input_shape() const { return input_; }
  ImageShape output_shape() const { return output_; }
  int inputs() const { return int(input_.size()); }
  int outputs() const { return int(output_.size()); }

  // The workspace of a batch of `rows` (one byte per output value here), and the floats per sample
  // it takes, so that make_tensor_pool(max_rows, workspace_features()) holds any batch's.
  std::size_t workspace_bytes(int rows) const;
  int workspace_features() const;

  // out = the maximum of each window. With a workspace the call is a training pass and records
  // the argmax positions there; without one it is inference.
  void forward(const Tensor& in, Tensor& out, Tensor* workspace);

  // grad_in = grad_out routed to the recorded argmax of each window, zero elsewhere.
  void backward(const Tensor& grad_out, const Tensor& workspace, Tensor& grad_in);

 private:
  // A blocked input is pooled blocked (the kernels want both sides alike), through a scratch
  // output that the reorders convert; they are empty for an nchw input.
  struct Primitives {
    BoundPrimitive inference;
    BoundPrimitive training;
    BoundPrimitive unblock_out;  // blocked output → out (nchw)
    BoundPrimitive block_grad;   // grad_out (nchw) → blocked
    BoundPrimitive backward;
    std::size_t workspace_bytes = 0;
  };
  dnnl::pooling_forward::primitive_desc forward_desc(int rows, dnnl::prop_kind kind) const;
  Primitives make_primitives(int rows) const;
  Primitives& primitives(int rows) {
    return by_rows_.get(rows, [&] { return make_primitives(rows); });
  }

  ImageShape input_;
  ImageShape output_;
  int window_;
  int stride_;
  ImageLayout layout_;
  dnnl::stream stream_;
  PrimitiveCache<int, Primitives> by_rows_;
};

}  // namespace pepita
