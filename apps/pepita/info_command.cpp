#include <boost/program_options.hpp>
#include <cmath>
#include <iomanip>

#include "cli.hpp"
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
  description.add_options()
      ("dataset", po::value<std::string>()->default_value("mnist")->value_name("NAME"), "mnist, cifar10, cifar100, or idx:DIR")
      ("data-dir", po::value<std::string>()->value_name("DIR"), "data directory (default $PEPITA_DATA_DIR, else ./data)")
      ("coarse", po::bool_switch(), "CIFAR-100: the 20 coarse labels instead of the 100 fine ones")
      ("help,h", po::bool_switch(), "this help");
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(description).run(), vm);
  po::notify(vm);
  if (vm["help"].as<bool>()) {
    out << "Prints a data set's summary: counts, shape, classes, pixel mean and std.\n\n" << description;
    return exit_ok;
  }
  const std::string name = vm["dataset"].as<std::string>();
  if (!is_known_dataset(name)) throw UsageError("--dataset: unknown data set '" + name + "' (mnist, cifar10, cifar100, idx:DIR)");
  std::optional<std::string> flag;
  if (vm.count("data-dir")) flag = vm["data-dir"].as<std::string>();
  LoadOptions options;
  if (vm["coarse"].as<bool>()) options.cifar100_labels = Cifar100Labels::coarse;
  const DatasetPair data = load_dataset(name, resolve_data_dir(flag), options);
  describe(data.train, out);
  describe(data.test, out);
  return exit_ok;
}

}  // namespace pepita::cli
