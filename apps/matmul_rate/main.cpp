// The oneDNN matmul rate of this machine at a given shape and precision: the yardstick for how
// close a training epoch comes to what the hardware can do.
#include <boost/program_options.hpp>
#include <iostream>
#include <string>

#include "layers/matmul_rate.hpp"

namespace po = boost::program_options;
using namespace pepita;

int main(int argc, char** argv) {
  MatmulShape shape;
  int rounds = 0;
  std::string precision;
  po::options_description options("usage: matmul_rate --m M --k K --n N [--precision f32|bf16]  (C[M×N] = A[M×K]·B[K×N])");
  options.add_options()
      ("m", po::value(&shape.m)->default_value(1024), "rows of A")
      ("k", po::value(&shape.k)->default_value(1024), "columns of A")
      ("n", po::value(&shape.n)->default_value(1024), "columns of B")
      ("precision", po::value(&precision)->default_value("f32"), "inputs f32 or bf16 (output f32)")
      ("rounds", po::value(&rounds)->default_value(7), "timed rounds of ~10 ms after a warm-up; the median is printed")
      ("help,h", "this help");
  Precision chosen = Precision::f32;
  try {
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, options), vm);
    po::notify(vm);
    if (vm.count("help")) {
      std::cout << options;
      return 0;
    }
    if (shape.m < 1 || shape.k < 1 || shape.n < 1 || rounds < 1) throw po::error("sizes and rounds must be at least 1");
    chosen = parse_precision(precision);
  } catch (const std::exception& e) {
    std::cerr << "matmul_rate: " << e.what() << '\n';
    return 2;
  }
  try {
    const MatmulRate rate = measure_matmul(shape, chosen, rounds);
    std::cout << shape.m << "x" << shape.k << "x" << shape.n << " " << precision << " (" << rate.implementation
              << "): " << rate.seconds * 1e3 << " ms, " << rate.gflops() << " GFLOP/s\n";
  } catch (const dnnl::error& e) {
    std::cerr << "matmul_rate: oneDNN has no " << precision << " matmul here: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
