#include "layers/low_precision_copy.hpp"

namespace pepita {

const void* LowPrecisionCopy::convert(const float* from, std::size_t count, float scale) {
  std::uint16_t* to = storage(count).data();
#pragma omp parallel for simd schedule(static) if (parallel : count >= parallel_pass_values)
  for (std::size_t i = 0; i < count; ++i) to[i] = round_to_bf16(scale * from[i]);
  return to;
}

}  // namespace pepita
