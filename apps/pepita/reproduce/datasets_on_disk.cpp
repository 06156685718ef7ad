#include "datasets_on_disk.hpp"

#include <stdexcept>
#include <vector>

namespace pepita::cli::reproduce {

std::optional<std::string> missing_file(const std::string& dataset, const std::filesystem::path& data_dir) {
  std::vector<std::string> files;
  bool gzip_allowed = false;
  if (dataset == "mnist") {
    files = {"mnist/train-images-idx3-ubyte", "mnist/train-labels-idx1-ubyte", "mnist/t10k-images-idx3-ubyte",
             "mnist/t10k-labels-idx1-ubyte"};
    gzip_allowed = true;  // the idx reader takes them raw or .gz
  } else if (dataset == "cifar10") {
    for (int i = 1; i <= 5; ++i) files.push_back("cifar-10-batches-bin/data_batch_" + std::to_string(i) + ".bin");
    files.push_back("cifar-10-batches-bin/test_batch.bin");
  } else if (dataset == "cifar100") {
    files = {"cifar-100-binary/train.bin", "cifar-100-binary/test.bin"};
  } else {
    throw std::logic_error("no file list for data set " + dataset);
  }
  for (const std::string& file : files) {
    const bool there = std::filesystem::exists(data_dir / file) ||
                       (gzip_allowed && std::filesystem::exists(data_dir / (file + ".gz")));
    if (!there) return file;
  }
  return std::nullopt;
}

int class_count(const std::string& dataset) { return dataset == "cifar100" ? 100 : 10; }

}  // namespace pepita::cli::reproduce
