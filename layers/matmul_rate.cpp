#include "layers/matmul_rate.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include "layers/dnnl_context.hpp"
#include "layers/seconds_since.hpp"
#include "layers/tensor.hpp"

namespace pepita {

namespace {

dnnl::matmul::primitive_desc describe(MatmulShape s, Precision precision) {
  const auto type = input_type(precision);
  return dnnl::matmul::primitive_desc(
      dnnl::matmul::desc(matrix_desc(s.m, s.k, false, type), matrix_desc(s.k, s.n, false, type), matrix_desc(s.m, s.n)),
      cpu_engine());
}

}  // namespace

std::string matmul_implementation(MatmulShape shape, Precision precision) {
  return describe(shape, precision).impl_info_str();
}

MatmulRate measure_matmul(MatmulShape shape, Precision precision, int rounds) {
  const auto pd = describe(shape, precision);
  // Values of ~1 in either precision; bf16 0x3f80 is 1.0. Their size does not change the speed.
  const std::size_t element = precision == Precision::bf16 ? 2 : 4;
  std::vector<std::uint8_t, CacheLineAllocator<std::uint8_t>> a(std::size_t(shape.m) * shape.k * element, 0x3f),
      b(std::size_t(shape.k) * shape.n * element, 0x3f);
  std::vector<float, CacheLineAllocator<float>> c(std::size_t(shape.m) * shape.n);
  BoundPrimitive matmul(dnnl::matmul(pd), {{DNNL_ARG_SRC, dnnl::memory(pd.src_desc(), cpu_engine(), a.data())},
                                           {DNNL_ARG_WEIGHTS, dnnl::memory(pd.weights_desc(), cpu_engine(), b.data())},
                                           {DNNL_ARG_DST, dnnl::memory(pd.dst_desc(), cpu_engine(), c.data())}});
  dnnl::stream stream(cpu_engine());
  // Warm-up, which also sizes a round: enough calls for ~10 ms.
  int calls = 0;
  const auto warm_start = std::chrono::steady_clock::now();
  while (calls < 3 || seconds_since(warm_start) < 0.02) {
    matmul.run(stream);
    ++calls;
  }
  const int per_round = std::max(1, int(calls * 0.01 / seconds_since(warm_start)));
  std::vector<double> per_call;
  for (int round = 0; round < std::max(1, rounds); ++round) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < per_round; ++i) matmul.run(stream);
    per_call.push_back(seconds_since(start) / per_round);
  }
  std::nth_element(per_call.begin(), per_call.begin() + per_call.size() / 2, per_call.end());
  return {shape, precision, pd.impl_info_str(), per_call[per_call.size() / 2]};
}

}  // namespace pepita
