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

dnnl::memory::desc matrix_desc(int rows, int cols, bool transposed, dnnl::memory::data_type type) {
  using tag = dnnl::memory::format_tag;
  return dnnl::memory::desc({rows, cols}, type, transposed ? tag::ba : tag::ab);
}

BoundPrimitive reorder(const dnnl::memory& from, const dnnl::memory& to) {
  const dnnl::reorder::primitive_desc pd(cpu_engine(), from.get_desc(), cpu_engine(), to.get_desc());
  return BoundPrimitive(dnnl::reorder(pd), {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}});
}

dnnl::memory::desc with_type(const dnnl::memory::desc& desc, dnnl::memory::data_type type) {
  dnnl::memory::desc typed = desc;
  typed.data.data_type = dnnl::memory::convert_to_c(type);
  return typed;
}

OperandPath input_path(const dnnl::memory::desc& given, const dnnl::memory::desc& wanted) {
  if (given == wanted) return {unbound(wanted), {}};
  const dnnl::memory converted(wanted, cpu_engine());
  return {converted, reorder(unbound(given), converted)};
}

OperandPath output_path(const dnnl::memory::desc& wanted, const dnnl::memory::desc& given) {
  if (given == wanted) return {unbound(wanted), {}};
  const dnnl::memory converted(wanted, cpu_engine());
  return {converted, reorder(converted, unbound(given))};
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
