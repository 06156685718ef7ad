#include "layers/max_pool_layer.hpp"

#include <stdexcept>

#include "layers/conv_layer.hpp"  // image_desc, window_positions: the geometry both share

namespace pepita {

MaxPool::MaxPool(ImageShape input, int window, int stride)
    : input_(input),
      output_{input.channels, window_positions(input.height, window, stride, 0),
              window_positions(input.width, window, stride, 0)},
      window_(window),
      stride_(stride),
      stream_(cpu_engine()) {
  if (input.size() == 0 || window <= 0 || stride <= 0) throw std::invalid_argument("pooling needs positive sizes");
  if (output_.height <= 0 || output_.width <= 0) throw std::invalid_argument("the pooling window is larger than its input");
}

dnnl::pooling_forward::primitive_desc MaxPool::forward_desc(int rows, dnnl::prop_kind kind) const {
  const dnnl::pooling_forward::desc desc(kind, dnnl::algorithm::pooling_max, image_desc(rows, input_),
                                         image_desc(rows, output_), {stride_, stride_}, {window_, window_}, {0, 0},
                                         {0, 0});
  return {desc, cpu_engine()};
}

std::size_t MaxPool::workspace_bytes(int rows) const {
  return forward_desc(rows, dnnl::prop_kind::forward_training).workspace_desc().get_size();
}

int MaxPool::workspace_features() const {
  return int((workspace_bytes(1) + sizeof(float) - 1) / sizeof(float));
}

MaxPool::Primitives& MaxPool::primitives(int rows) {
  auto found = by_rows_.find(rows);
  if (found != by_rows_.end()) return found->second;
  const auto in = image_desc(rows, input_);
  const auto out = image_desc(rows, output_);
  const auto inference_pd = forward_desc(rows, dnnl::prop_kind::forward_inference);
  const auto training_pd = forward_desc(rows, dnnl::prop_kind::forward_training);
  const auto workspace = training_pd.workspace_desc();
  const dnnl::pooling_backward::desc backward_desc(dnnl::algorithm::pooling_max, in, out, {stride_, stride_},
                                                   {window_, window_}, {0, 0}, {0, 0});
  const dnnl::pooling_backward::primitive_desc backward_pd(backward_desc, cpu_engine(), training_pd);
  Primitives primitives{
      BoundPrimitive(dnnl::pooling_forward(inference_pd), {{DNNL_ARG_SRC, unbound(in)}, {DNNL_ARG_DST, unbound(out)}}),
      BoundPrimitive(dnnl::pooling_forward(training_pd), {{DNNL_ARG_SRC, unbound(in)},
                                                          {DNNL_ARG_DST, unbound(out)},
                                                          {DNNL_ARG_WORKSPACE, unbound(workspace)}}),
      BoundPrimitive(dnnl::pooling_backward(backward_pd), {{DNNL_ARG_DIFF_DST, unbound(out)},
                                                           {DNNL_ARG_WORKSPACE, unbound(workspace)},
                                                           {DNNL_ARG_DIFF_SRC, unbound(in)}}),
      workspace.get_size()};
  return by_rows_.emplace(rows, std::move(primitives)).first->second;
}

void MaxPool::forward(const Tensor& in, Tensor& out, Tensor* workspace) {
  out.rows = in.rows;
  Primitives& p = primitives(in.rows);
  if (!workspace) {
    p.inference.bind(DNNL_ARG_SRC, in.data());
    p.inference.bind(DNNL_ARG_DST, out.data());
    p.inference.run(stream_);
    return;
  }
  if (workspace->storage.size() * sizeof(float) < p.workspace_bytes)
    throw std::invalid_argument("the pooling workspace is too small for this batch");
  workspace->rows = in.rows;
  p.training.bind(DNNL_ARG_SRC, in.data());
  p.training.bind(DNNL_ARG_DST, out.data());
  p.training.bind(DNNL_ARG_WORKSPACE, workspace->data());
  p.training.run(stream_);
}

void MaxPool::backward(const Tensor& grad_out, const Tensor& workspace, Tensor& grad_in) {
  grad_in.rows = grad_out.rows;
  Primitives& p = primitives(grad_out.rows);
  p.backward.bind(DNNL_ARG_DIFF_DST, grad_out.data());
  p.backward.bind(DNNL_ARG_WORKSPACE, workspace.data());
  p.backward.bind(DNNL_ARG_DIFF_SRC, grad_in.data());
  p.backward.run(stream_);
}

}  // namespace pepita
