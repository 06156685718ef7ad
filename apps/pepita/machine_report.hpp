#pragma once
// `pepita info --machine`: what this machine gives the model's arithmetic. The CPU, the ISA oneDNN
// picked for f32 and for bf16, and the measured GFLOP/s of the fully connected model's own matmul
// shapes in each precision: the limits that `scripts/benchmark-limits.sh` holds epochs against.
#include <ostream>
#include <vector>

namespace pepita::cli {

struct MachineReportOptions {
  int inputs = 784;
  std::vector<int> hidden{1024};
  int classes = 10;
  int batch_size = 64;
  int rounds = 7;  // timed rounds per shape; the median is printed
};

void print_machine_report(const MachineReportOptions& options, std::ostream& out);

}  // namespace pepita::cli
