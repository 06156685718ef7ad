#include "layers/dense_layer.hpp"

#include <stdexcept>
#include <utility>

namespace pepita {

namespace {

using dnnl::algorithm;

// W's size, checked before the base class allocates it.
std::size_t weight_count(int inputs, int outputs) {
  if (inputs <= 0 || outputs <= 0) throw std::invalid_argument("a dense layer needs positive sizes");
  return std::size_t(inputs) * std::size_t(outputs);
}

}  // namespace

DenseLayer::DenseLayer(int inputs, int outputs, Activation activation, float momentum, Precision precision,
                       WeightStorage storage)
    : Layer(weight_count(inputs, outputs), activation, momentum, storage),
      inputs_(inputs),
      outputs_(outputs),
      precision_(precision),
      input_type_(pepita::input_type(precision)),
      stream_(cpu_engine()) {}

const void* DenseLayer::matmul_input(LowPrecisionCopy& copy, const float* values, std::size_t count) {
  if (precision_ == Precision::f32) return values;
  return copy.convert(values, count);
}

const void* DenseLayer::matmul_weights(std::span<const float> stand_in, const char* what) {
  const float* w = weights_or(stand_in, what);
  if (precision_ == Precision::f32) return w;
  const std::span<const float> own = std::as_const(*this).weights();
  if (w != own.data()) return stand_in_copy_.convert(w, own.size());
  if (copied_revision_ != weights_revision()) {
    weights_copy_.convert(w, own.size());
    copied_revision_ = weights_revision();
  }
  return weights_copy_.data();
}

int DenseLayer::mask_argument() const {
  algorithm unused;
  const int position = fused_algorithm(activation(), unused) ? 1 : 0;
  return DNNL_ARG_ATTR_MULTIPLE_POST_OP(position) | DNNL_ARG_SRC_1;
}

BoundPrimitive DenseLayer::make_forward(int rows, bool masked, bool activated) {
  const auto src = matrix_desc(rows, inputs_, false, input_type_);
  const auto weights = matrix_desc(inputs_, outputs_, /*transposed=*/true, input_type_);
  const auto dst = matrix_desc(rows, outputs_);
  dnnl::post_ops post_ops;
  algorithm fused;
  const bool has_eltwise = activated && fused_algorithm(activation(), fused);
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

DenseLayer::ForwardPrimitives DenseLayer::make_forward_primitives(int rows) {
  ForwardPrimitives primitives{make_forward(rows, false), make_forward(rows, true), {}};
  if (activation() == Activation::softmax) {
    const auto dst = matrix_desc(rows, outputs_);
    dnnl::softmax_forward::primitive_desc pd(
        dnnl::softmax_forward::desc(dnnl::prop_kind::forward_inference, dst, 1), cpu_engine());
    primitives.softmax = BoundPrimitive(dnnl::softmax_forward(pd), {{DNNL_ARG_SRC, unbound(dst)}, {DNNL_ARG_DST, unbound(dst)}});
  }
  return primitives;
}

void DenseLayer::bind_forward(BoundPrimitive& matmul, const Tensor& in, Tensor& out, std::span<const float> weights) {
  out.rows = in.rows;
  matmul.bind(DNNL_ARG_SRC, matmul_input(first_input_copy_, in.data(), in.size()));
  matmul.bind(DNNL_ARG_WEIGHTS, matmul_weights(weights, "stashed weights"));
  matmul.bind(DNNL_ARG_DST, out.data());
}

void DenseLayer::forward(const Tensor& in, Tensor& out, const Tensor* mask, std::span<const float> weights) {
  ForwardPrimitives& primitives = forward_by_rows_.get(in.rows, [&] { return make_forward_primitives(in.rows); });
  BoundPrimitive& matmul = mask ? primitives.masked : primitives.plain;
  bind_forward(matmul, in, out, weights);
  if (mask) matmul.bind(mask_argument(), mask->data());
  matmul.run(stream_);
  if (primitives.softmax) {
    primitives.softmax.bind(DNNL_ARG_SRC, out.data());
    primitives.softmax.bind(DNNL_ARG_DST, out.data());
    primitives.softmax.run(stream_);
  }
}

void DenseLayer::forward_linear(const Tensor& in, Tensor& out, std::span<const float> weights) {
  ForwardPrimitives& primitives = forward_by_rows_.get(in.rows, [&] { return make_forward_primitives(in.rows); });
  if (!primitives.linear) primitives.linear = make_forward(in.rows, false, /*activated=*/false);
  bind_forward(primitives.linear, in, out, weights);
  primitives.linear.run(stream_);
}

void DenseLayer::activate_linear(const Tensor& z, Tensor& out, const Tensor* mask) {
  if (activation() != Activation::softmax) return Layer::activate_linear(z, out, mask);
  ForwardPrimitives& primitives = forward_by_rows_.get(z.rows, [&] { return make_forward_primitives(z.rows); });
  out.rows = z.rows;
  primitives.softmax.bind(DNNL_ARG_SRC, const_cast<float*>(z.data()));  // read only: src and dst differ
  primitives.softmax.bind(DNNL_ARG_DST, out.data());
  primitives.softmax.run(stream_);
}

// The scale is folded into the postsynaptic term (scaled_post_) rather than given as a runtime
// output scale: with one, oneDNN 2.6 leaves its brgemm kernel for gemm:jit, which takes this
// shape (1024×64 · 64×784, sum post-op) in 0.43 ms instead of 0.36 in f32, and 1.41 ms instead of
// 0.24 in bf16 (docs/results.md).
BoundPrimitive DenseLayer::make_update(int rows, bool into_accumulator) {
  const auto post_transposed = matrix_desc(outputs_, rows, /*transposed=*/true, input_type_);
  const auto pre = matrix_desc(rows, inputs_, false, input_type_);
  const auto velocity = matrix_desc(outputs_, inputs_);
  dnnl::post_ops post_ops;
  post_ops.append_sum(into_accumulator ? 1.0f : optimizer().momentum());
  dnnl::primitive_attr attr;
  attr.set_post_ops(post_ops);
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(post_transposed, pre, velocity), attr, cpu_engine());
  return BoundPrimitive(dnnl::matmul(pd), {{DNNL_ARG_SRC, unbound(post_transposed)},
                                           {DNNL_ARG_WEIGHTS, unbound(pre)},
                                           {DNNL_ARG_DST, unbound(velocity)}});
}

void DenseLayer::form_update(const Tensor& post, const Tensor& pre, float scale, bool into_accumulator) {
  const std::span<float> destination = into_accumulator ? optimizer().accumulator() : optimizer().velocity();
  BoundPrimitive& matmul =
      update_by_rows_.get({post.rows, into_accumulator}, [&] { return make_update(post.rows, into_accumulator); });
  const float* term = post.data();
  const std::size_t n = post.size();
  if (precision_ == Precision::f32) {
    if (scaled_post_.size() < n) scaled_post_.resize(n);
    float* scaled = scaled_post_.data();
#pragma omp parallel for simd schedule(static) if (parallel : n >= parallel_pass_values)
    for (std::size_t i = 0; i < n; ++i) scaled[i] = scale * term[i];
    matmul.bind(DNNL_ARG_SRC, scaled);
  } else {
    matmul.bind(DNNL_ARG_SRC, first_input_copy_.convert(term, n, scale));
  }
  matmul.bind(DNNL_ARG_WEIGHTS, matmul_input(second_input_copy_, pre.data(), pre.size()));
  matmul.bind(DNNL_ARG_DST, destination.data());
  matmul.run(stream_);
}

void DenseLayer::learn(const Tensor& post, const Tensor& pre, float scale) {
  form_update(post, pre, scale, /*into_accumulator=*/false);
  if (precision_ == Precision::f32) return optimizer().apply_velocity(weights());
  const std::span<float> w = weights();  // a new revision of W, and its copy made with it
  optimizer().apply_velocity(w, weights_copy_.storage(w.size()));
  copied_revision_ = weights_revision();
}

void DenseLayer::accumulate(const Tensor& post, const Tensor& pre, float scale) {
  form_update(post, pre, scale, /*into_accumulator=*/true);
}

BoundPrimitive DenseLayer::make_backward(int rows) {
  const auto post = matrix_desc(rows, outputs_, false, input_type_);
  const auto weights = matrix_desc(outputs_, inputs_, false, input_type_);
  const auto grad_in = matrix_desc(rows, inputs_);
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(post, weights, grad_in), cpu_engine());
  return BoundPrimitive(dnnl::matmul(pd), {{DNNL_ARG_SRC, unbound(post)},
                                           {DNNL_ARG_WEIGHTS, unbound(weights)},
                                           {DNNL_ARG_DST, unbound(grad_in)}});
}

void DenseLayer::backward_data(const Tensor& post, Tensor& grad_in, std::span<const float> through) {
  grad_in.rows = post.rows;
  BoundPrimitive& matmul = backward_by_rows_.get(post.rows, [&] { return make_backward(post.rows); });
  matmul.bind(DNNL_ARG_SRC, matmul_input(first_input_copy_, post.data(), post.size()));
  matmul.bind(DNNL_ARG_WEIGHTS, matmul_weights(through, "feedback weights"));
  matmul.bind(DNNL_ARG_DST, grad_in.data());
  matmul.run(stream_);
}

}  // namespace pepita
