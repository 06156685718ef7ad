#include "layers/precision.hpp"

#include <stdexcept>

#include "layers/dnnl_context.hpp"

namespace pepita {

Precision parse_precision(std::string_view name) {
  if (name == "f32") return Precision::f32;
  if (name == "bf16") return Precision::bf16;
  throw std::invalid_argument("unknown precision '" + std::string(name) + "' (f32 or bf16)");
}

const char* precision_name(Precision precision) { return precision == Precision::bf16 ? "bf16" : "f32"; }

dnnl::memory::data_type input_type(Precision precision) {
  return precision == Precision::bf16 ? dnnl::memory::data_type::bf16 : dnnl::memory::data_type::f32;
}

Bf16Support bf16_support() {
  // The model's main shape; what oneDNN picks does not depend on the sizes' exact values.
  const auto bf16 = dnnl::memory::data_type::bf16;
  try {
    const dnnl::matmul::primitive_desc pd(
        dnnl::matmul::desc(matrix_desc(64, 784, false, bf16), matrix_desc(784, 1024, true, bf16), matrix_desc(64, 1024)),
        cpu_engine());
    const std::string implementation = pd.impl_info_str();
    return implementation.rfind("ref", 0) == 0 ? Bf16Support::reference_only : Bf16Support::native;
  } catch (const dnnl::error&) {
    return Bf16Support::none;
  }
}

std::string bf16_support_problem() {
  switch (bf16_support()) {
    case Bf16Support::native: return {};
    case Bf16Support::reference_only:
      return "this CPU lacks avx512_core (oneDNN's bf16 kernels need at least that ISA; avx512_core_bf16 or "
             "AMX run bf16 natively): bf16 runs on oneDNN's reference code, many times slower than f32";
    case Bf16Support::none: break;
  }
  return "oneDNN has no bf16 matmul for this CPU (it needs avx512_core; avx512_core_bf16 or AMX run bf16 "
         "natively)";
}

}  // namespace pepita
