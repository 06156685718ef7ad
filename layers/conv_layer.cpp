#include "layers/conv_layer.hpp"

#include <algorithm>
#include <stdexcept>

namespace pepita {

namespace {

using dnnl::algorithm;

// The same tensor, leaving its layout to the primitive that uses it.
dnnl::memory::desc any_layout(const dnnl::memory::desc& desc) {
  return dnnl::memory::desc(desc.dims(), desc.data_type(), dnnl::memory::format_tag::any);
}

}  // namespace

ConvLayer::ConvLayer(ImageShape input, int filters, int kernel, Activation activation, float momentum,
                     int stride, int padding, ImageLayout output_layout)
    : input_(input),
      output_{filters, window_positions(input.height, kernel, stride, padding),
              window_positions(input.width, kernel, stride, padding)},
      kernel_(kernel),
      stride_(stride),
      padding_(padding),
      activation_(activation),
      momentum_(momentum),
      output_layout_(output_layout),
      weights_(std::size_t(filters) * input.channels * kernel * kernel, 0.0f),
      velocity_(weights_.size(), 0.0f),
      gradient_(weights_.size(), 0.0f),
      stream_(cpu_engine()) {
  if (input.size() == 0 || filters <= 0 || kernel <= 0 || stride <= 0 || padding < 0)
    throw std::invalid_argument("a convolution needs positive sizes");
  if (output_.height <= 0 || output_.width <= 0)
    throw std::invalid_argument("the convolution kernel is larger than its padded input");
  if (activation == Activation::softmax) throw std::invalid_argument("a convolution cannot end in softmax");
  if (output_layout == ImageLayout::blocked && !can_block(output_))
    throw std::invalid_argument("a blocked output needs a multiple of 16 filters");
}

ConvLayer::Operands ConvLayer::operands(int rows) const {
  const dnnl::memory::desc weights({output_.channels, input_.channels, kernel_, kernel_},
                                   dnnl::memory::data_type::f32, dnnl::memory::format_tag::oihw);
  return {image_desc(rows, input_), weights, image_desc(rows, output_, output_layout_)};
}

// The layout the kernels should produce and read the output in: theirs, unless it is fixed.
dnnl::memory::desc ConvLayer::kernel_output(const dnnl::memory::desc& dst) const {
  return output_layout_ == ImageLayout::blocked ? dst : any_layout(dst);
}

// The forward convolution on plain input, free to pick the layout of W (and of the output, unless
// it is blocked already). The backward primitives need it, without the post-ops, as their hint.
dnnl::convolution_forward::primitive_desc ConvLayer::forward_desc(int rows, const dnnl::primitive_attr& attr) const {
  const Operands p = operands(rows);
  const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_training, algorithm::convolution_direct, p.src,
                                             any_layout(p.weights), kernel_output(p.dst), {stride_, stride_},
                                             {padding_, padding_}, {padding_, padding_});
  return {desc, attr, cpu_engine()};
}

ConvLayer::ForwardPrimitives& ConvLayer::forward_primitives(int rows) {
  auto found = forward_by_rows_.find(rows);
  if (found != forward_by_rows_.end()) return found->second;
  const Operands p = operands(rows);
  dnnl::primitive_attr attr;
  algorithm fused;
  if (fused_algorithm(activation_, fused)) {
    dnnl::post_ops post_ops;
    post_ops.append_eltwise(1.0f, fused, 0.0f, 0.0f);
    attr.set_post_ops(post_ops);
  }
  const auto pd = forward_desc(rows, attr);
  const bool unblocks = output_layout_ == ImageLayout::nchw;
  const dnnl::memory blocked_weights(pd.weights_desc(), cpu_engine());
  const dnnl::memory kernel_out = unblocks ? dnnl::memory(pd.dst_desc(), cpu_engine()) : unbound(p.dst);
  const dnnl::binary::primitive_desc mask_pd(dnnl::binary::desc(algorithm::binary_mul, p.dst, p.dst, p.dst),
                                             cpu_engine());
  ForwardPrimitives primitives{
      reorder(unbound(p.weights), blocked_weights),
      BoundPrimitive(dnnl::convolution_forward(pd), {{DNNL_ARG_SRC, unbound(p.src)},
                                                     {DNNL_ARG_WEIGHTS, blocked_weights},
                                                     {DNNL_ARG_DST, kernel_out}}),
      unblocks ? reorder(kernel_out, unbound(p.dst)) : BoundPrimitive{},
      BoundPrimitive(dnnl::binary(mask_pd), {{DNNL_ARG_SRC_0, unbound(p.dst)},
                                             {DNNL_ARG_SRC_1, unbound(p.dst)},
                                             {DNNL_ARG_DST, unbound(p.dst)}})};
  return forward_by_rows_.emplace(rows, std::move(primitives)).first->second;
}

void ConvLayer::forward(const Tensor& in, Tensor& out, const Tensor* mask, std::span<const float> weights) {
  if (!weights.empty() && weights.size() != weights_.size())
    throw std::invalid_argument("stashed weights must have the shape of W");
  out.rows = in.rows;
  ForwardPrimitives& primitives = forward_primitives(in.rows);
  primitives.load_weights.bind(DNNL_ARG_FROM, weights.empty() ? weights_.data() : weights.data());
  primitives.load_weights.run(stream_);
  primitives.convolution.bind(DNNL_ARG_SRC, in.data());
  run_into({primitives.convolution, DNNL_ARG_DST, primitives.unblock}, out.data(), stream_);
  if (!mask) return;
  primitives.apply_mask.bind(DNNL_ARG_SRC_0, out.data());
  primitives.apply_mask.bind(DNNL_ARG_SRC_1, mask->data());
  primitives.apply_mask.bind(DNNL_ARG_DST, out.data());
  primitives.apply_mask.run(stream_);
}

ConvLayer::LearnPrimitives& ConvLayer::learn_primitives(int rows) {
  auto found = learn_by_rows_.find(rows);
  if (found != learn_by_rows_.end()) return found->second;
  const Operands p = operands(rows);
  const dnnl::convolution_backward_weights::desc desc(algorithm::convolution_direct, p.src, any_layout(p.weights),
                                                      kernel_output(p.dst), {stride_, stride_}, {padding_, padding_},
                                                      {padding_, padding_});
  const dnnl::convolution_backward_weights::primitive_desc pd(desc, cpu_engine(), forward_desc(rows));
  const bool blocks = output_layout_ == ImageLayout::nchw;
  const dnnl::memory kernel_post = blocks ? dnnl::memory(pd.diff_dst_desc(), cpu_engine()) : unbound(p.dst);
  const dnnl::memory blocked_gradient(pd.diff_weights_desc(), cpu_engine());
  LearnPrimitives primitives{
      blocks ? reorder(unbound(p.dst), kernel_post) : BoundPrimitive{},
      BoundPrimitive(dnnl::convolution_backward_weights(pd), {{DNNL_ARG_SRC, unbound(p.src)},
                                                              {DNNL_ARG_DIFF_DST, kernel_post},
                                                              {DNNL_ARG_DIFF_WEIGHTS, blocked_gradient}}),
      reorder(blocked_gradient, dnnl::memory(p.weights, cpu_engine(), gradient_.data()))};
  return learn_by_rows_.emplace(rows, std::move(primitives)).first->second;
}

void ConvLayer::form_gradient(const Tensor& post, const Tensor& pre) {
  LearnPrimitives& primitives = learn_primitives(post.rows);
  feed({primitives.gradient, DNNL_ARG_DIFF_DST, primitives.block_post}, post.data(), stream_);
  primitives.gradient.bind(DNNL_ARG_SRC, pre.data());
  primitives.gradient.run(stream_);
  primitives.unblock_gradient.run(stream_);
}

// The filters are small (32×1×5×5 on MNIST), so one pass over them beats two more primitives.
void ConvLayer::step(std::span<const float> delta, float scale) {
  for (std::size_t i = 0; i < weights_.size(); ++i) {
    velocity_[i] = momentum_ * velocity_[i] + scale * delta[i];
    weights_[i] -= velocity_[i];
  }
}

void ConvLayer::learn(const Tensor& post, const Tensor& pre, float scale) {
  form_gradient(post, pre);
  step(gradient_, scale);
}

void ConvLayer::accumulate(const Tensor& post, const Tensor& pre, float scale) {
  if (accumulated_.empty()) accumulated_.assign(weights_.size(), 0.0f);
  form_gradient(post, pre);
  for (std::size_t i = 0; i < accumulated_.size(); ++i) accumulated_[i] += scale * gradient_[i];
}

void ConvLayer::apply_accumulated(float scale) {
  if (accumulated_.empty()) return;
  step(accumulated_, scale);
  std::fill(accumulated_.begin(), accumulated_.end(), 0.0f);
}

ConvLayer::BackwardPrimitives& ConvLayer::backward_primitives(int rows) {
  auto found = backward_by_rows_.find(rows);
  if (found != backward_by_rows_.end()) return found->second;
  const Operands p = operands(rows);
  const auto plain_dst = image_desc(rows, output_);
  const dnnl::convolution_backward_data::desc desc(algorithm::convolution_direct, p.src, p.weights, plain_dst,
                                                   {stride_, stride_}, {padding_, padding_}, {padding_, padding_});
  const dnnl::convolution_backward_data::primitive_desc pd(desc, cpu_engine(), forward_desc(rows));
  const bool unblocks = output_layout_ == ImageLayout::blocked;
  const dnnl::memory post = unblocks ? dnnl::memory(plain_dst, cpu_engine()) : unbound(plain_dst);
  BackwardPrimitives primitives{unblocks ? reorder(unbound(p.dst), post) : BoundPrimitive{},
                                BoundPrimitive(dnnl::convolution_backward_data(pd), {{DNNL_ARG_DIFF_DST, post},
                                                                                     {DNNL_ARG_WEIGHTS, unbound(p.weights)},
                                                                                     {DNNL_ARG_DIFF_SRC, unbound(p.src)}})};
  return backward_by_rows_.emplace(rows, std::move(primitives)).first->second;
}

void ConvLayer::backward_data(const Tensor& post, Tensor& grad_in, std::span<const float> through) {
  if (!through.empty() && through.size() != weights_.size())
    throw std::invalid_argument("feedback weights must have the shape of W");
  grad_in.rows = post.rows;
  BackwardPrimitives& primitives = backward_primitives(post.rows);
  feed({primitives.convolution, DNNL_ARG_DIFF_DST, primitives.unblock_post}, post.data(), stream_);
  primitives.convolution.bind(DNNL_ARG_WEIGHTS, through.empty() ? weights_.data() : through.data());
  primitives.convolution.bind(DNNL_ARG_DIFF_SRC, grad_in.data());
  primitives.convolution.run(stream_);
}

}  // namespace pepita
