#include "machine_report.hpp"

#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <optional>
#include <string>

#include <oneapi/dnnl/dnnl.hpp>

#include "graph/graph_config.hpp"
#include "layers/matmul_rate.hpp"

namespace pepita::cli {

namespace {

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(line.find_first_not_of(' ', colon + 1));
    }
  return "unknown (no model name in /proc/cpuinfo)";
}

// A matmul of the model, and what it is for: a layer's forward pass (x·Wᵀ), its update (postᵀ·pre)
// or the gradient down (post·W).
struct ModelMatmul {
  std::string use;
  MatmulShape shape;
};

std::vector<ModelMatmul> model_matmuls(const MachineReportOptions& o) {
  std::vector<int> widths{o.inputs};
  widths.insert(widths.end(), o.hidden.begin(), o.hidden.end());
  widths.push_back(o.classes);
  std::vector<ModelMatmul> matmuls;
  for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
    const int in = widths[l], out = widths[l + 1], b = o.batch_size;
    const std::string layer = "layer " + std::to_string(l + 1);
    matmuls.push_back({layer + " forward", {b, in, out}});
    matmuls.push_back({layer + " update", {out, b, in}});
    matmuls.push_back({layer + " down", {b, out, in}});
  }
  // The machine's own limit, away from the model's shapes: a large square product.
  matmuls.push_back({"square", {1024, 1024, 1024}});
  return matmuls;
}

// The rate, or nothing when oneDNN has no kernel for the precision here.
std::optional<MatmulRate> try_measure(MatmulShape shape, Precision precision, int rounds) {
  try {
    return measure_matmul(shape, precision, rounds);
  } catch (const dnnl::error&) {
    return std::nullopt;
  }
}

}  // namespace

void print_machine_report(const MachineReportOptions& options, std::ostream& out) {
  const dnnl_version_t* version = dnnl_version();
  // The kernels are named for the first layer's forward product, the model's largest.
  const MatmulShape first_forward = model_matmuls(options).front().shape;
  out << "cpu: " << cpu_model() << "\n"
      << "onednn: " << version->major << '.' << version->minor << '.' << version->patch << ", "
      << available_cores() << " cores; matmul kernels picked: f32 " << matmul_implementation(first_forward, Precision::f32);
  const std::string bf16_problem = bf16_support_problem();
  if (bf16_problem.empty())
    out << ", bf16 " << matmul_implementation(first_forward, Precision::bf16) << "\n";
  else
    out << "; bf16: " << bf16_problem << "\n";
  const char* omp_threads = std::getenv("OMP_NUM_THREADS");
  out << "oneDNN threads: " << (omp_threads ? std::string("OMP_NUM_THREADS=") + omp_threads : "all " + std::to_string(available_cores()) + " cores")
      << "; inputs in the precision, f32 output; median of " << options.rounds << " rounds\n";
  out << std::left << std::setw(20) << "matmul" << std::setw(18) << "m×k×n" << std::right << std::setw(12)
      << "f32 GFLOP/s" << std::setw(13) << "bf16 GFLOP/s" << "  bf16/f32\n";
  out << std::fixed << std::setprecision(1);
  for (const ModelMatmul& matmul : model_matmuls(options)) {
    const MatmulShape& s = matmul.shape;
    const MatmulRate f32 = measure_matmul(s, Precision::f32, options.rounds);
    const std::optional<MatmulRate> bf16 =
        bf16_problem.empty() ? try_measure(s, Precision::bf16, options.rounds) : std::nullopt;
    out << std::left << std::setw(20) << matmul.use << std::setw(18)
        << (std::to_string(s.m) + "x" + std::to_string(s.k) + "x" + std::to_string(s.n)) << std::right << std::setw(12)
        << f32.gflops() << std::setw(13);
    if (bf16)
      out << bf16->gflops() << std::setw(10) << std::setprecision(2) << bf16->gflops() / f32.gflops()
          << std::setprecision(1) << "\n";
    else
      out << "-" << std::setw(10) << "-" << "\n";
  }
  out << std::defaultfloat;
}

}  // namespace pepita::cli
