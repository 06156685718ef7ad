#include <boost/program_options.hpp>
#include <cmath>
#include <iomanip>

#include "cli.hpp"
#include "command_line.hpp"
#include "data/data_dir.hpp"
#include "data/dataset.hpp"

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
  description.add_options()
      ("coarse", po::bool_switch(), "CIFAR-100: the 20 coarse labels instead of the 100 fine ones");
  const auto parsed = parse_command(args, description, "Prints a data set's summary: counts, shape, classes, pixel mean and std.", out);
  if (!parsed) return exit_ok;
  const po::variables_map& vm = *parsed;
  const DatasetChoice dataset = dataset_choice(vm);
  LoadOptions options;
  if (vm["coarse"].as<bool>()) options.cifar100_labels = Cifar100Labels::coarse;
  const DatasetPair data = load_dataset(dataset.name, dataset.dir, options);
  describe(data.train, out);
  describe(data.test, out);
  return exit_ok;
}

}  // namespace pepita::cli
