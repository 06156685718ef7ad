#include "layers/dense_layer.hpp"

#include <stdexcept>

namespace pepita {

using dnnl::algorithm;

DenseLayer::DenseLayer(int inputs, int outputs, Activation activation, float momentum)
    : inputs_(inputs),
      outputs_(outputs),
      activation_(activation),
      momentum_(momentum),
      weights_(std::size_t(inputs) * outputs, 0.0f),
      velocity_(weights_.size(), 0.0f),
      stream_(cpu_engine()) {
  if (inputs <= 0 || outputs <= 0) throw std::invalid_argument("a dense layer needs positive sizes");
  const auto w = matrix_desc(outputs_, inputs_);
  dnnl::binary::primitive_desc pd({dnnl::binary::desc(algorithm::binary_sub, w, w, w)}, cpu_engine());
  apply_velocity_ = BoundPrimitive(dnnl::binary(pd), {{DNNL_ARG_SRC_0, dnnl::memory(w, cpu_engine(), weights_.data())},
                                                      {DNNL_ARG_SRC_1, dnnl::memory(w, cpu_engine(), velocity_.data())},
                                                      {DNNL_ARG_DST, dnnl::memory(w, cpu_engine(), weights_.data())}});
}

// The dropout mask is the binary post-op that follows the fused activation, if there is one.
int DenseLayer::mask_argument() const {
  algorithm unused;
  const int position = fused_algorithm(activation_, unused) ? 1 : 0;
  return DNNL_ARG_ATTR_MULTIPLE_POST_OP(position) | DNNL_ARG_SRC_1;
}

BoundPrimitive DenseLayer::make_forward(int rows, bool masked) {
  const auto src = matrix_desc(rows, inputs_);
  const auto weights = matrix_desc(inputs_, outputs_, /*transposed=*/true);
  const auto dst = matrix_desc(rows, outputs_);
  dnnl::post_ops post_ops;
  algorithm fused;
  const bool has_eltwise = fused_algorithm(activation_, fused);
  if (has_eltwise) post_ops.append_eltwise(1.0f, fused, 0.0f, 0.0f);
  if (masked) post_ops.append_binary(algorithm::binary_mul, dst);
  dnnl::primitive_attr attr;
  attr.set_post_ops(post_ops);
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src, weights, dst), attr, cpu_engine());
  BoundPrimitive primitive(dnnl::matmul(pd), {{DNNL_ARG_SRC, unbound(src)},
                                              {DNNL_ARG_WEIGHTS, unbound(weights)},
                                              {DNNL_ARG_DST, unbound(dst)}});
  if (masked) primitive.add(mask_argument(), unbound(dst));
  return primitive;
}

DenseLayer::ForwardPrimitives& DenseLayer::forward_primitives(int rows) {
  auto found = forward_by_rows_.find(rows);
  if (found != forward_by_rows_.end()) return found->second;
  ForwardPrimitives primitives{make_forward(rows, false), make_forward(rows, true), {}};
  if (activation_ == Activation::softmax) {
    const auto dst = matrix_desc(rows, outputs_);
    dnnl::softmax_forward::primitive_desc pd(
        dnnl::softmax_forward::desc(dnnl::prop_kind::forward_inference, dst, 1), cpu_engine());
    primitives.softmax = BoundPrimitive(dnnl::softmax_forward(pd), {{DNNL_ARG_SRC, unbound(dst)}, {DNNL_ARG_DST, unbound(dst)}});
  }
  return forward_by_rows_.emplace(rows, std::move(primitives)).first->second;
}

void DenseLayer::forward(const Tensor& in, Tensor& out, const Tensor* mask, std::span<const float> weights) {
  if (!weights.empty() && weights.size() != weights_.size()) throw std::invalid_argument("stashed weights must have the shape of W");
  out.rows = in.rows;
  ForwardPrimitives& primitives = forward_primitives(in.rows);
  BoundPrimitive& matmul = mask ? primitives.masked : primitives.plain;
  matmul.bind(DNNL_ARG_SRC, in.data());
  matmul.bind(DNNL_ARG_WEIGHTS, weights.empty() ? weights_.data() : weights.data());
  matmul.bind(DNNL_ARG_DST, out.data());
  if (mask) matmul.bind(mask_argument(), mask->data());
  matmul.run(stream_);
  if (primitives.softmax) {
    primitives.softmax.bind(DNNL_ARG_SRC, out.data());
    primitives.softmax.bind(DNNL_ARG_DST, out.data());
    primitives.softmax.run(stream_);
  }
}

BoundPrimitive& DenseLayer::learn_primitive(int rows, bool into_accumulator) {
  auto found = learn_by_rows_.find({rows, into_accumulator});
  if (found != learn_by_rows_.end()) return found->second;
  const auto post_transposed = matrix_desc(outputs_, rows, /*transposed=*/true);
  const auto pre = matrix_desc(rows, inputs_);
  const auto velocity = matrix_desc(outputs_, inputs_);
  dnnl::post_ops post_ops;
  post_ops.append_sum(into_accumulator ? 1.0f : momentum_);
  dnnl::primitive_attr attr;
  attr.set_output_scales(0, {DNNL_RUNTIME_F32_VAL});
  attr.set_post_ops(post_ops);
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(post_transposed, pre, velocity), attr, cpu_engine());
  const dnnl::memory::desc scale({1}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::x);
  BoundPrimitive primitive(dnnl::matmul(pd), {{DNNL_ARG_SRC, unbound(post_transposed)},
                                              {DNNL_ARG_WEIGHTS, unbound(pre)},
                                              {DNNL_ARG_DST, unbound(velocity)},
                                              {DNNL_ARG_ATTR_OUTPUT_SCALES, dnnl::memory(scale, cpu_engine(), &update_scale_)}});
  return learn_by_rows_.emplace(std::pair{rows, into_accumulator}, std::move(primitive)).first->second;
}

void DenseLayer::learn(const Tensor& post, const Tensor& pre, float scale) {
  BoundPrimitive& form_velocity = learn_primitive(post.rows, false);
  update_scale_ = scale;
  form_velocity.bind(DNNL_ARG_SRC, post.data());
  form_velocity.bind(DNNL_ARG_WEIGHTS, pre.data());
  form_velocity.bind(DNNL_ARG_DST, velocity_.data());
  form_velocity.run(stream_);
  apply_velocity_.run(stream_);
}

void DenseLayer::accumulate(const Tensor& post, const Tensor& pre, float scale) {
  if (accumulated_.empty()) accumulated_.assign(weights_.size(), 0.0f);
  BoundPrimitive& form_sum = learn_primitive(post.rows, true);
  update_scale_ = scale;
  form_sum.bind(DNNL_ARG_SRC, post.data());
  form_sum.bind(DNNL_ARG_WEIGHTS, pre.data());
  form_sum.bind(DNNL_ARG_DST, accumulated_.data());
  form_sum.run(stream_);
}

// Once per GPipe flush, so a plain loop: it is not on the per-batch path.
void DenseLayer::apply_accumulated(float scale) {
  if (accumulated_.empty()) return;
  for (std::size_t k = 0; k < weights_.size(); ++k) {
    velocity_[k] = momentum_ * velocity_[k] + scale * accumulated_[k];
    weights_[k] -= velocity_[k];
    accumulated_[k] = 0.0f;
  }
}

BoundPrimitive& DenseLayer::backward_primitive(int rows) {
  auto found = backward_by_rows_.find(rows);
  if (found != backward_by_rows_.end()) return found->second;
  const auto post = matrix_desc(rows, outputs_);
  const auto weights = matrix_desc(outputs_, inputs_);
  const auto grad_in = matrix_desc(rows, inputs_);
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(post, weights, grad_in), cpu_engine());
  BoundPrimitive primitive(dnnl::matmul(pd), {{DNNL_ARG_SRC, unbound(post)},
                                              {DNNL_ARG_WEIGHTS, unbound(weights)},
                                              {DNNL_ARG_DST, unbound(grad_in)}});
  return backward_by_rows_.emplace(rows, std::move(primitive)).first->second;
}

void DenseLayer::backward_data(const Tensor& post, Tensor& grad_in, std::span<const float> through) {
  if (!through.empty() && through.size() != weights_.size())
    throw std::invalid_argument("feedback weights must have the shape of W");
  grad_in.rows = post.rows;
  BoundPrimitive& matmul = backward_primitive(post.rows);
  matmul.bind(DNNL_ARG_SRC, post.data());
  matmul.bind(DNNL_ARG_WEIGHTS, through.empty() ? weights_.data() : through.data());
  matmul.bind(DNNL_ARG_DST, grad_in.data());
  matmul.run(stream_);
}

}  // namespace pepita
