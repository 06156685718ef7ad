#include "layers/conv_layer.hpp"

#include <stdexcept>
#include <utility>

namespace pepita {

namespace {

using dnnl::algorithm;

// W's size, checked before the base class allocates it.
std::size_t weight_count(ImageShape input, int filters, int kernel, int stride, int padding) {
  if (input.size() == 0 || filters <= 0 || kernel <= 0 || stride <= 0 || padding < 0)
    throw std::invalid_argument("a convolution needs positive sizes");
  return std::size_t(filters) * input.channels * kernel * kernel;
}

// The same tensor, leaving its layout to the primitive that uses it.
dnnl::memory::desc any_layout(const dnnl::memory::desc& desc) {
  return dnnl::memory::desc(desc.dims(), desc.data_type(), dnnl::memory::format_tag::any);
}

}  // namespace

ConvLayer::ConvLayer(ImageShape input, int filters, int kernel, Activation activation, float momentum,
                     int stride, int padding, ImageLayout output_layout, Precision precision, WeightStorage storage)
    : Layer(weight_count(input, filters, kernel, stride, padding), activation, momentum, storage),
      input_(input),
      output_{filters, window_positions(input.height, kernel, stride, padding),
              window_positions(input.width, kernel, stride, padding)},
      kernel_(kernel),
      stride_(stride),
      padding_(padding),
      output_layout_(output_layout),
      precision_(precision),
      input_type_(input_type(precision)),
      gradient_(weights().size(), 0.0f),
      stream_(cpu_engine()) {
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
  const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_training, algorithm::convolution_direct,
                                             with_type(p.src, input_type_), any_layout(with_type(p.weights, input_type_)),
                                             kernel_output(p.dst), {stride_, stride_},
                                             {padding_, padding_}, {padding_, padding_});
  return {desc, attr, cpu_engine()};
}

ConvLayer::ForwardPrimitives ConvLayer::make_forward(int rows, bool activated) {
  const Operands p = operands(rows);
  dnnl::primitive_attr attr;
  algorithm fused;
  if (activated && fused_algorithm(activation(), fused)) {
    dnnl::post_ops post_ops;
    post_ops.append_eltwise(1.0f, fused, 0.0f, 0.0f);
    attr.set_post_ops(post_ops);
  }
  const auto pd = forward_desc(rows, attr);
  const dnnl::memory blocked_weights(pd.weights_desc(), cpu_engine());
  OperandPath src = input_path(p.src, pd.src_desc());
  OperandPath dst = output_path(pd.dst_desc(), p.dst);
  const dnnl::binary::primitive_desc mask_pd(dnnl::binary::desc(algorithm::binary_mul, p.dst, p.dst, p.dst),
                                             cpu_engine());
  return ForwardPrimitives{
      reorder(unbound(p.weights), blocked_weights),
      std::move(src.convert),
      BoundPrimitive(dnnl::convolution_forward(pd), {{DNNL_ARG_SRC, src.memory},
                                                     {DNNL_ARG_WEIGHTS, blocked_weights},
                                                     {DNNL_ARG_DST, dst.memory}}),
      std::move(dst.convert),
      BoundPrimitive(dnnl::binary(mask_pd), {{DNNL_ARG_SRC_0, unbound(p.dst)},
                                             {DNNL_ARG_SRC_1, unbound(p.dst)},
                                             {DNNL_ARG_DST, unbound(p.dst)}})};
}

void ConvLayer::convolve(ForwardPrimitives& primitives, const Tensor& in, Tensor& out, std::span<const float> weights) {
  const float* w = weights_or(weights, "stashed weights");
  out.rows = in.rows;
  primitives.load_weights.bind(DNNL_ARG_FROM, w);
  primitives.load_weights.run(stream_);
  feed({primitives.convolution, DNNL_ARG_SRC, primitives.load_input}, in.data(), stream_);
  run_into({primitives.convolution, DNNL_ARG_DST, primitives.unblock}, out.data(), stream_);
}

void ConvLayer::forward(const Tensor& in, Tensor& out, const Tensor* mask, std::span<const float> weights) {
  ForwardPrimitives& primitives = forward_by_rows_.get(in.rows, [&] { return make_forward(in.rows, true); });
  convolve(primitives, in, out, weights);
  if (!mask) return;
  primitives.apply_mask.bind(DNNL_ARG_SRC_0, out.data());
  primitives.apply_mask.bind(DNNL_ARG_SRC_1, mask->data());
  primitives.apply_mask.bind(DNNL_ARG_DST, out.data());
  primitives.apply_mask.run(stream_);
}

void ConvLayer::forward_linear(const Tensor& in, Tensor& out, std::span<const float> weights) {
  convolve(linear_by_rows_.get(in.rows, [&] { return make_forward(in.rows, false); }), in, out, weights);
}

ConvLayer::LearnPrimitives ConvLayer::make_learn(int rows) {
  const Operands p = operands(rows);
  const dnnl::convolution_backward_weights::desc desc(
      algorithm::convolution_direct, with_type(p.src, input_type_), any_layout(p.weights),
      with_type(kernel_output(p.dst), input_type_), {stride_, stride_}, {padding_, padding_}, {padding_, padding_});
  const dnnl::convolution_backward_weights::primitive_desc pd(desc, cpu_engine(), forward_desc(rows));
  OperandPath pre = input_path(p.src, pd.src_desc());
  OperandPath post = input_path(p.dst, pd.diff_dst_desc());
  const dnnl::memory blocked_gradient(pd.diff_weights_desc(), cpu_engine());
  return LearnPrimitives{
      std::move(pre.convert),
      std::move(post.convert),
      BoundPrimitive(dnnl::convolution_backward_weights(pd), {{DNNL_ARG_SRC, pre.memory},
                                                              {DNNL_ARG_DIFF_DST, post.memory},
                                                              {DNNL_ARG_DIFF_WEIGHTS, blocked_gradient}}),
      reorder(blocked_gradient, dnnl::memory(p.weights, cpu_engine(), gradient_.data()))};
}

void ConvLayer::form_gradient(const Tensor& post, const Tensor& pre) {
  LearnPrimitives& primitives = learn_by_rows_.get(post.rows, [&] { return make_learn(post.rows); });
  feed({primitives.gradient, DNNL_ARG_DIFF_DST, primitives.block_post}, post.data(), stream_);
  feed({primitives.gradient, DNNL_ARG_SRC, primitives.load_pre}, pre.data(), stream_);
  primitives.gradient.run(stream_);
  primitives.unblock_gradient.run(stream_);
}

// The filters are small (32×1×5×5 on MNIST), so the optimizer's plain step from gradient_ beats
// fusing it into more primitives.
void ConvLayer::learn(const Tensor& post, const Tensor& pre, float scale) {
  form_gradient(post, pre);
  optimizer().step(weights(), gradient_, scale);
}

void ConvLayer::accumulate(const Tensor& post, const Tensor& pre, float scale) {
  form_gradient(post, pre);
  optimizer().accumulate(gradient_, scale);
}

ConvLayer::BackwardPrimitives ConvLayer::make_backward(int rows) {
  const Operands p = operands(rows);
  const auto plain_post = with_type(image_desc(rows, output_), input_type_);
  const dnnl::convolution_backward_data::desc desc(algorithm::convolution_direct, p.src,
                                                   with_type(p.weights, input_type_), plain_post, {stride_, stride_},
                                                   {padding_, padding_}, {padding_, padding_});
  const dnnl::convolution_backward_data::primitive_desc pd(desc, cpu_engine(), forward_desc(rows));
  OperandPath weights = input_path(p.weights, pd.weights_desc());
  OperandPath post = input_path(p.dst, pd.diff_dst_desc());
  return BackwardPrimitives{std::move(weights.convert), std::move(post.convert),
                            BoundPrimitive(dnnl::convolution_backward_data(pd), {{DNNL_ARG_DIFF_DST, post.memory},
                                                                                 {DNNL_ARG_WEIGHTS, weights.memory},
                                                                                 {DNNL_ARG_DIFF_SRC, unbound(p.src)}})};
}

void ConvLayer::backward_data(const Tensor& post, Tensor& grad_in, std::span<const float> through) {
  const float* w = weights_or(through, "feedback weights");
  grad_in.rows = post.rows;
  BackwardPrimitives& primitives = backward_by_rows_.get(post.rows, [&] { return make_backward(post.rows); });
  feed({primitives.convolution, DNNL_ARG_DIFF_DST, primitives.unblock_post}, post.data(), stream_);
  feed({primitives.convolution, DNNL_ARG_WEIGHTS, primitives.load_weights}, w, stream_);
  primitives.convolution.bind(DNNL_ARG_DIFF_SRC, grad_in.data());
  primitives.convolution.run(stream_);
}

}  // namespace pepita
