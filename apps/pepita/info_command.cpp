#include <boost/program_options.hpp>
#include <cmath>
#include <iomanip>

#include "cli.hpp"
#include "command_line.hpp"
#include "data/data_dir.hpp"
#include "data/dataset.hpp"
#include "machine_report.hpp"

namespace po = boost::program_options;

namespace pepita::cli {

namespace {

void describe(const Dataset& data, std::ostream& out) {
  double sum = 0, sum_squares = 0;
  for (float v : data.images) {
    sum += v;
    sum_squares += double(v) * v;
  }
  const double n = double(data.images.size());
  const double mean = n > 0 ? sum / n : 0;
  const double std_dev = n > 0 ? std::sqrt(std::max(0.0, sum_squares / n - mean * mean)) : 0;
  std::vector<std::int64_t> per_class(std::size_t(data.classes), 0);
  for (std::int32_t label : data.labels) ++per_class[std::size_t(label)];
  out << std::left << std::setw(16) << data.name << data.size() << " samples, " << data.shape.height << "×"
      << data.shape.width << "×" << data.shape.channels << ", " << data.classes << " classes, pixel mean "
      << std::fixed << std::setprecision(4) << mean << " std " << std_dev << "\n";
  out << std::setw(16) << "" << "per class:";
  for (std::int64_t count : per_class) out << ' ' << count;
  out << "\n" << std::defaultfloat;
}

}  // namespace

int info_command(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  po::options_description description("pepita info [options]");
  add_dataset_options(description);
  MachineReportOptions machine;
  description.add_options()
      ("coarse", po::bool_switch(), "CIFAR-100: the 20 coarse labels instead of the 100 fine ones")
      ("machine", po::bool_switch(), "instead of a data set: the CPU, the ISA oneDNN picked for f32 and bf16, and the "
                                     "measured GFLOP/s of the fully connected model's matmuls in each precision")
      ("hidden", po::value(&machine.hidden)->multitoken()->default_value({1024}, "1024"),
       "--machine: the model's hidden layer sizes (inputs 784, 10 classes)")
      ("batch-size", po::value(&machine.batch_size)->default_value(64), "--machine: the batch size");
  const auto parsed = parse_command(args, description,
                                    "Prints a data set's summary: counts, shape, classes, pixel mean and std; or, with "
                                    "--machine, what this machine's matmuls reach.",
                                    out);
  if (!parsed) return exit_ok;
  const po::variables_map& vm = *parsed;
  if (vm["machine"].as<bool>()) {
    if (machine.batch_size < 1) throw UsageError("--batch-size must be at least 1");
    for (int units : machine.hidden)
      if (units < 1) throw UsageError("--hidden: every layer needs at least 1 unit");
    print_machine_report(machine, out);
    return exit_ok;
  }
  const DatasetChoice dataset = dataset_choice(vm);
  LoadOptions options;
  if (vm["coarse"].as<bool>()) options.cifar100_labels = Cifar100Labels::coarse;
  const DatasetPair data = load_dataset(dataset.name, dataset.dir, options);
  describe(data.train, out);
  describe(data.test, out);
  return exit_ok;
}

}  // namespace pepita::cli
