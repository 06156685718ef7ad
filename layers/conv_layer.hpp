#pragma once
// A 2-D convolution without bias, h = σ(W ∗ x) ⊙ mask, on oneDNN primitives created once per batch
// size and reused. Images travel as rows × (C·H·W) tensors in NCHW order, the data sets' layout
// and what a dense layer after it reads; W is kept as plain oihw for initialisers and checkpoints.
// In bf16 (precision.hpp) the convolutions read bf16 copies of their inputs and write f32: the
// reorders that already change layouts change the type on the way, and the input gets one more.
#include <span>
#include <vector>

#include "data/dataset.hpp"
#include "layers/activation.hpp"
#include "layers/dnnl_context.hpp"
#include "layers/image_layout.hpp"
#include "layers/layer.hpp"
#include "layers/precision.hpp"
#include "layers/primitive_cache.hpp"

namespace pepita {

class ConvLayer final : public Layer {
 public:
  // The input is nchw; `output_layout` is how forward writes the activity, and how learn and
  // backward_data read the postsynaptic term.
  ConvLayer(ImageShape input, int filters, int kernel, Activation activation, float momentum,
            int stride = 1, int padding = 0, ImageLayout output_layout = ImageLayout::nchw,
            Precision precision = Precision::f32, WeightStorage storage = WeightStorage::here);
  // The primitives point into gradient_: a move keeps that buffer, a copy would not.
  ConvLayer(const ConvLayer&) = delete;
  ConvLayer& operator=(const ConvLayer&) = delete;
  ConvLayer(ConvLayer&&) = default;
  ConvLayer& operator=(ConvLayer&&) = default;

  int inputs() const override { return int(input_.size()); }
  int outputs() const override { return int(output_.size()); }
  int positions() const override { return output_.height * output_.width; }
  ImageShape input_shape() const { return input_; }
  ImageShape output_shape() const { return output_; }
  ImageLayout output_layout() const { return output_layout_; }
  int kernel() const { return kernel_; }
  Precision precision() const { return precision_; }

  // W (weights()) is filters × channels × kernel × kernel (oihw), row-major.
  // out = σ(W ∗ in), times the dropout mask when one is given (rows × outputs); through
  // `weights` (a stash, shaped like W) instead of W when given.
  void forward(const Tensor& in, Tensor& out, const Tensor* mask, std::span<const float> weights = {}) override;
  void forward_linear(const Tensor& in, Tensor& out, std::span<const float> weights = {}) override;

  // ΔW[f, c, kh, kw] = Σ over samples and output positions of post[f, oh, ow] × pre[c, ih, iw] at
  // ih = oh·stride + kh − padding (likewise iw); then the optimizer's step from it.
  void learn(const Tensor& post, const Tensor& pre, float scale) override;
  // GPipe: G ← G + scale·ΔW now; the flush is the optimizer's.
  void accumulate(const Tensor& post, const Tensor& pre, float scale) override;

  // grad_in = the transposed convolution of post with W (or with `through`, shaped like W).
  void backward_data(const Tensor& post, Tensor& grad_in, std::span<const float> through = {}) override;

 private:
  // oneDNN's jit kernels want blocked layouts for W and the output; on plain nchw it falls back to
  // gemm (MNIST's shape, batch 100, 2 threads: forward 1.6 → 0.6 ms, weight gradient 9.7 → 0.5 ms).
  // So forward and learn reorder through blocked buffers that oneDNN allocates once per batch
  // size. backward_data stays plain: there the blocked kernel is the slower one (11 vs 1 ms).
  // A conversion is empty (the caller's buffer is bound directly) when layout and type agree
  // already: the output layout is blocked, or the input is f32.
  struct ForwardPrimitives {
    BoundPrimitive load_weights;  // W or a stash (oihw) → blocked, every call: learn changes W
    BoundPrimitive load_input;    // in → the input type (bf16)
    BoundPrimitive convolution;   // in → σ(W ∗ in), blocked
    BoundPrimitive unblock;       // → out (nchw)
    BoundPrimitive apply_mask;    // out ⊙= mask; as a post-op it forces a reference kernel, 100× slower
  };
  struct LearnPrimitives {
    BoundPrimitive load_pre;          // pre → the input type
    BoundPrimitive block_post;        // post (nchw) → blocked, in the input type
    BoundPrimitive gradient;          // ΔW from pre and blocked post, blocked
    BoundPrimitive unblock_gradient;  // → gradient_ (oihw)
  };
  struct BackwardPrimitives {
    BoundPrimitive load_weights;  // W or `through` → the input type
    BoundPrimitive unblock_post;  // post (blocked) → nchw, in the input type
    BoundPrimitive convolution;   // grad_in from nchw post
  };
  // The convolution's operands in the layouts of the tensors (dst: the output layout) and of W.
  struct Operands {
    dnnl::memory::desc src, weights, dst;
  };
  Operands operands(int rows) const;
  dnnl::memory::desc kernel_output(const dnnl::memory::desc& dst) const;
  dnnl::convolution_forward::primitive_desc forward_desc(int rows, const dnnl::primitive_attr& attr = {}) const;
  ForwardPrimitives make_forward(int rows, bool activated);
  // W (or `weights`) ∗ in into out, with σ when the primitives were made activated.
  void convolve(ForwardPrimitives& primitives, const Tensor& in, Tensor& out, std::span<const float> weights);
  LearnPrimitives make_learn(int rows);
  void form_gradient(const Tensor& post, const Tensor& pre);  // ΔW → gradient_
  BackwardPrimitives make_backward(int rows);

  ImageShape input_;
  ImageShape output_;
  int kernel_;
  int stride_;
  int padding_;
  ImageLayout output_layout_;
  Precision precision_;
  dnnl::memory::data_type input_type_;  // of what the convolutions read: f32 or bf16
  // ΔW of the latest learn (oihw), handed to the optimizer: oneDNN 2.6 cannot fuse momentum into it.
  std::vector<float> gradient_;
  dnnl::stream stream_;
  PrimitiveCache<int, ForwardPrimitives> forward_by_rows_;
  PrimitiveCache<int, ForwardPrimitives> linear_by_rows_;  // forward_linear's, without σ
  PrimitiveCache<int, LearnPrimitives> learn_by_rows_;
  PrimitiveCache<int, BackwardPrimitives> backward_by_rows_;
};

}  // namespace pepita
