#include "layers/dnnl_context.hpp"

namespace pepita {

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

bool fused_algorithm(Activation activation, dnnl::algorithm& out) {
  switch (activation) {
    case Activation::relu: out = dnnl::algorithm::eltwise_relu; return true;
    case Activation::tanh: out = dnnl::algorithm::eltwise_tanh; return true;
    case Activation::sigmoid: out = dnnl::algorithm::eltwise_logistic; return true;
    case Activation::identity:
    case Activation::softmax: return false;
  }
  return false;
}

dnnl::memory::desc matrix_desc(int rows, int cols, bool transposed) {
  using tag = dnnl::memory::format_tag;
  return dnnl::memory::desc({rows, cols}, dnnl::memory::data_type::f32, transposed ? tag::ba : tag::ab);
}

BoundPrimitive reorder(const dnnl::memory& from, const dnnl::memory& to) {
  const dnnl::reorder::primitive_desc pd(cpu_engine(), from.get_desc(), cpu_engine(), to.get_desc());
  return BoundPrimitive(dnnl::reorder(pd), {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}});
}

void feed(const Converted& input, const void* data, dnnl::stream& stream) {
  if (!input.convert) {
    input.primitive.bind(input.argument, data);
    return;
  }
  input.convert.bind(DNNL_ARG_FROM, data);
  input.convert.run(stream);
}

void run_into(const Converted& output, void* data, dnnl::stream& stream) {
  if (!output.convert) output.primitive.bind(output.argument, data);
  output.primitive.run(stream);
  if (!output.convert) return;
  output.convert.bind(DNNL_ARG_TO, data);
  output.convert.run(stream);
}

}  // namespace pepita
