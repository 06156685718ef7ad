// The oneDNN f32 matmul rate of this machine at a given shape: the yardstick for how close a
// training epoch comes to what the hardware can do.
#include <boost/program_options.hpp>
#include <chrono>
#include <iostream>
#include <vector>

#include "layers/dnnl_context.hpp"

namespace po = boost::program_options;
using namespace pepita;

int main(int argc, char** argv) {
  int m = 0, k = 0, n = 0, repeats = 0;
  po::options_description options("usage: matmul_rate --m M --k K --n N  (C[M×N] = A[M×K]·B[K×N])");
  options.add_options()
      ("m", po::value(&m)->default_value(1024), "rows of A")
      ("k", po::value(&k)->default_value(1024), "columns of A")
      ("n", po::value(&n)->default_value(1024), "columns of B")
      ("repeats", po::value(&repeats)->default_value(200), "timed runs after 20 warm-up runs")
      ("help,h", "this help");
  try {
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, options), vm);
    po::notify(vm);
    if (vm.count("help")) {
      std::cout << options;
      return 0;
    }
    if (m < 1 || k < 1 || n < 1 || repeats < 1) throw po::error("sizes and repeats must be at least 1");
  } catch (const po::error& e) {
    std::cerr << "matmul_rate: " << e.what() << '\n';
    return 2;
  }
  std::vector<float> a(std::size_t(m) * k, 0.5f), b(std::size_t(k) * n, 0.25f), c(std::size_t(m) * n);
  const auto a_desc = matrix_desc(m, k), b_desc = matrix_desc(k, n), c_desc = matrix_desc(m, n);
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_desc, b_desc, c_desc), cpu_engine());
  BoundPrimitive matmul(dnnl::matmul(pd), {{DNNL_ARG_SRC, dnnl::memory(a_desc, cpu_engine(), a.data())},
                                           {DNNL_ARG_WEIGHTS, dnnl::memory(b_desc, cpu_engine(), b.data())},
                                           {DNNL_ARG_DST, dnnl::memory(c_desc, cpu_engine(), c.data())}});
  dnnl::stream stream(cpu_engine());
  for (int i = 0; i < 20; ++i) matmul.run(stream);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < repeats; ++i) matmul.run(stream);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / repeats;
  std::cout << m << "x" << k << "x" << n << " (" << pd.impl_info_str() << "): " << seconds * 1e3 << " ms, "
            << 2.0 * m * k * n / seconds / 1e9 << " GFLOP/s\n";
  return 0;
}
