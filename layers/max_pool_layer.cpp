#include "layers/max_pool_layer.hpp"

#include <stdexcept>

namespace pepita {

MaxPool::MaxPool(ImageShape input, int window, int stride, ImageLayout input_layout)
    : input_(input),
      output_{input.channels, window_positions(input.height, window, stride, 0),
              window_positions(input.width, window, stride, 0)},
      window_(window),
      stride_(stride),
      layout_(input_layout),
      stream_(cpu_engine()) {
  if (input.size() == 0 || window <= 0 || stride <= 0) throw std::invalid_argument("pooling needs positive sizes");
  if (output_.height <= 0 || output_.width <= 0) throw std::invalid_argument("the pooling window is larger than its input");
  if (input_layout == ImageLayout::blocked && !can_block(input))
    throw std::invalid_argument("a blocked input needs a multiple of 16 channels");
}

dnnl::pooling_forward::primitive_desc MaxPool::forward_desc(int rows, dnnl::prop_kind kind) const {
  const dnnl::pooling_forward::desc desc(kind, dnnl::algorithm::pooling_max, image_desc(rows, input_, layout_),
                                         image_desc(rows, output_, layout_), {stride_, stride_}, {window_, window_},
                                         {0, 0}, {0, 0});
  return {desc, cpu_engine()};
}

std::size_t MaxPool::workspace_bytes(int rows) const {
  return forward_desc(rows, dnnl::prop_kind::forward_training).workspace_desc().get_size();
}

int MaxPool::workspace_features() const {
  return int((workspace_bytes(1) + sizeof(float) - 1) / sizeof(float));
}

MaxPool::Primitives MaxPool::make_primitives(int rows) const {
  const auto in = image_desc(rows, input_, layout_);
  const auto out = image_desc(rows, output_, layout_);
  const auto plain_out = image_desc(rows, output_);
  const bool blocked = layout_ == ImageLayout::blocked;
  // Where the kernels write and read the output: the caller's buffer, or a blocked scratch.
  const dnnl::memory kernel_out = blocked ? dnnl::memory(out, cpu_engine()) : unbound(out);
  const auto inference_pd = forward_desc(rows, dnnl::prop_kind::forward_inference);
  const auto training_pd = forward_desc(rows, dnnl::prop_kind::forward_training);
  const auto workspace = training_pd.workspace_desc();
  const dnnl::pooling_backward::desc backward_desc(dnnl::algorithm::pooling_max, in, out, {stride_, stride_},
                                                   {window_, window_}, {0, 0}, {0, 0});
  const dnnl::pooling_backward::primitive_desc backward_pd(backward_desc, cpu_engine(), training_pd);
  return Primitives{
      BoundPrimitive(dnnl::pooling_forward(inference_pd), {{DNNL_ARG_SRC, unbound(in)}, {DNNL_ARG_DST, kernel_out}}),
      BoundPrimitive(dnnl::pooling_forward(training_pd), {{DNNL_ARG_SRC, unbound(in)},
                                                          {DNNL_ARG_DST, kernel_out},
                                                          {DNNL_ARG_WORKSPACE, unbound(workspace)}}),
      blocked ? reorder(kernel_out, unbound(plain_out)) : BoundPrimitive{},
      blocked ? reorder(unbound(plain_out), kernel_out) : BoundPrimitive{},
      BoundPrimitive(dnnl::pooling_backward(backward_pd), {{DNNL_ARG_DIFF_DST, kernel_out},
                                                           {DNNL_ARG_WORKSPACE, unbound(workspace)},
                                                           {DNNL_ARG_DIFF_SRC, unbound(in)}}),
      workspace.get_size()};
}

void MaxPool::forward(const Tensor& in, Tensor& out, Tensor* workspace) {
  out.rows = in.rows;
  Primitives& p = primitives(in.rows);
  BoundPrimitive& pooling = workspace ? p.training : p.inference;
  if (workspace) {
    if (workspace->storage.size() * sizeof(float) < p.workspace_bytes)
      throw std::invalid_argument("the pooling workspace is too small for this batch");
    workspace->rows = in.rows;
    pooling.bind(DNNL_ARG_WORKSPACE, workspace->data());
  }
  pooling.bind(DNNL_ARG_SRC, in.data());
  run_into({pooling, DNNL_ARG_DST, p.unblock_out}, out.data(), stream_);
}

void MaxPool::backward(const Tensor& grad_out, const Tensor& workspace, Tensor& grad_in) {
  grad_in.rows = grad_out.rows;
  Primitives& p = primitives(grad_out.rows);
  feed({p.backward, DNNL_ARG_DIFF_DST, p.block_grad}, grad_out.data(), stream_);
  p.backward.bind(DNNL_ARG_WORKSPACE, workspace.data());
  p.backward.bind(DNNL_ARG_DIFF_SRC, grad_in.data());
  p.backward.run(stream_);
}

}  // namespace pepita
