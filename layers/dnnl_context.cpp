#include "layers/dnnl_context.hpp"

namespace pepita {

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::memory::desc matrix_desc(int rows, int cols, bool transposed) {
  using tag = dnnl::memory::format_tag;
  return dnnl::memory::desc({rows, cols}, dnnl::memory::data_type::f32, transposed ? tag::ba : tag::ab);
}

}  // namespace pepita
