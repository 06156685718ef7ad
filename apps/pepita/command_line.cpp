#include "command_line.hpp"

#include "cli.hpp"
#include "data/data_dir.hpp"
#include "data/dataset.hpp"

namespace po = boost::program_options;

namespace pepita::cli {

std::optional<po::variables_map> parse_command(const std::vector<std::string>& args, po::options_description options,
                                               const std::string& about, std::ostream& out, const char* positional) {
  options.add_options()("help,h", po::bool_switch(), "this help");
  po::options_description all;
  all.add(options);
  po::positional_options_description positions;
  if (positional) {
    po::options_description hidden;
    hidden.add_options()(positional, po::value<std::string>());
    all.add(hidden);
    positions.add(positional, 1);
  }
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(positions).run(), vm);
  po::notify(vm);
  if (!vm["help"].as<bool>()) return vm;
  out << about << "\n\n" << options;
  return std::nullopt;
}

void add_dataset_options(po::options_description& options) {
  options.add_options()
      ("dataset", po::value<std::string>()->default_value("mnist")->value_name("NAME"), "mnist, cifar10, cifar100, or idx:DIR")
      ("data-dir", po::value<std::string>()->value_name("DIR"), "data directory (default $PEPITA_DATA_DIR, else ./data)");
}

DatasetChoice dataset_choice(const po::variables_map& vm) {
  const std::string name = vm["dataset"].as<std::string>();
  if (!is_known_dataset(name)) throw UsageError("--dataset: unknown data set '" + name + "' (mnist, cifar10, cifar100, idx:DIR)");
  std::optional<std::string> dir;
  if (vm.count("data-dir")) dir = vm["data-dir"].as<std::string>();
  return {name, resolve_data_dir(dir)};
}

}  // namespace pepita::cli
