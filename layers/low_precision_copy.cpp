#include "layers/low_precision_copy.hpp"

namespace pepita {

const void* LowPrecisionCopy::convert(const float* from, std::size_t count, dnnl::stream& stream) {
  if (values_.size() < count) values_.resize(count);
  BoundPrimitive& convert = reorder_by_count_.get(count, [count] {
    using dt = dnnl::memory::data_type;
    const dnnl::memory::dims dims{dnnl::memory::dim(count)};
    const dnnl::memory::desc f32(dims, dt::f32, dnnl::memory::format_tag::x);
    const dnnl::memory::desc bf16(dims, dt::bf16, dnnl::memory::format_tag::x);
    return reorder(unbound(f32), unbound(bf16));
  });
  convert.bind(DNNL_ARG_FROM, from);
  convert.bind(DNNL_ARG_TO, values_.data());
  convert.run(stream);
  return values_.data();
}

}  // namespace pepita
