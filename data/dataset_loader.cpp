// load_dataset and is_known_dataset (declared in data/dataset.hpp): where each data set's files
// live and the checks that span files; the file formats are in idx_reader and cifar_reader.
#include "data/dataset.hpp"
#include "data/stress_set.hpp"

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "data/byte_source.hpp"
#include "data/cifar_reader.hpp"
#include "data/idx_reader.hpp"
#include "data/warm_pages.hpp"

namespace pepita {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view idx_prefix = "idx:";

bool is_idx_name(const std::string& name) {
  return name.starts_with(idx_prefix) && name.size() > idx_prefix.size();
}

// The error for a missing path; `remedy` says how to get the data set, where there is a way.
DataError missing(const fs::path& path, const std::string& remedy, const std::string& detail = "") {
  return file_error(path, "not found" + detail + (remedy.empty() ? "" : "; " + remedy));
}

std::string fetch_remedy(const std::string& dataset) {
  return "run scripts/fetch-data.sh " + dataset + ", or set --data-dir / PEPITA_DATA_DIR";
}

void require_directory(const fs::path& dir, const std::string& remedy) {
  if (!fs::is_directory(dir)) throw missing(dir, remedy);
}

// `name` itself, or else `name`.gz: a raw copy wins, being what a user unpacked on purpose.
fs::path find_data_file(const fs::path& dir, const std::string& name, const std::string& remedy) {
  const fs::path raw = dir / name;
  const fs::path gzipped = dir / (name + ".gz");
  if (fs::exists(raw)) return raw;
  if (fs::exists(gzipped)) return gzipped;
  throw missing(raw, remedy, " (nor " + gzipped.filename().string() + ")");
}

std::string describe(const ImageShape& shape) {
  return std::to_string(shape.channels) + "×" + std::to_string(shape.height) + "×" +
         std::to_string(shape.width);
}

bool same_shape(const ImageShape& a, const ImageShape& b) {
  return a.channels == b.channels && a.height == b.height && a.width == b.width;
}

void check_labels(std::span<const std::int32_t> labels, int classes, const fs::path& file) {
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= classes) {
      throw file_error(file, "sample " + std::to_string(i) + " has label " +
                                 std::to_string(labels[i]) + ", but the data set has " +
                                 std::to_string(classes) + " classes");
    }
  }
}

int max_label(const Dataset& set) {
  return set.labels.empty() ? -1 : *std::ranges::max_element(set.labels);
}

// ---- idx data sets: <prefix>-images-idx3-ubyte and <prefix>-labels-idx1-ubyte per split

struct IdxSplitFiles {
  fs::path images;
  fs::path labels;
};

IdxSplitFiles find_idx_split(const fs::path& dir, const std::string& prefix,
                             const std::string& remedy) {
  return {.images = find_data_file(dir, prefix + "-images-idx3-ubyte", remedy),
          .labels = find_data_file(dir, prefix + "-labels-idx1-ubyte", remedy)};
}

Dataset load_idx_split(const IdxSplitFiles& files, std::string name) {
  IdxImages images = read_idx_images(files.images);
  std::vector<std::int32_t> labels = read_idx_labels(files.labels);
  if (images.count != labels.size()) {
    throw file_error(files.images, std::to_string(images.count) + " images, but " +
                                       files.labels.string() + " has " +
                                       std::to_string(labels.size()) + " labels");
  }
  return {.name = std::move(name),
          .shape = images.shape,
          .classes = 0,  // known only once both splits are read
          .images = std::move(images.pixels),
          .labels = std::move(labels)};
}

// `classes` is the data set's known class count; without one it is the largest label + 1.
DatasetPair load_idx(const std::string& name, const fs::path& dir, std::optional<int> classes,
                     const std::string& remedy) {
  require_directory(dir, remedy);
  // Find all four files first, so that a missing one is reported before any slow reading.
  const IdxSplitFiles train_files = find_idx_split(dir, "train", remedy);
  const IdxSplitFiles test_files = find_idx_split(dir, "t10k", remedy);
  DatasetPair pair{.train = load_idx_split(train_files, name + "/train"),
                   .test = load_idx_split(test_files, name + "/test")};
  if (!same_shape(pair.train.shape, pair.test.shape)) {
    throw file_error(test_files.images, "images are " + describe(pair.test.shape) + ", but " +
                                            train_files.images.string() + " has " +
                                            describe(pair.train.shape));
  }
  const int class_count =
      classes.value_or(1 + std::max(max_label(pair.train), max_label(pair.test)));
  check_labels(pair.train.labels, class_count, train_files.labels);
  check_labels(pair.test.labels, class_count, test_files.labels);
  pair.train.classes = pair.test.classes = class_count;
  return pair;
}

// ---- CIFAR data sets: one or more binary files per split

Dataset load_cifar_split(const std::vector<fs::path>& files, CifarLabel label, std::string name) {
  Dataset set;
  set.name = std::move(name);
  set.shape = cifar_image_shape;
  set.classes = cifar_class_count(label);
  std::vector<CifarRecords> parts;
  std::size_t total = 0;
  for (const fs::path& file : files) {
    parts.push_back(read_cifar_file(file, label));
    check_labels(parts.back().labels, set.classes, file);
    total += parts.back().size();
  }
  set.images.reserve(total * set.shape.size());
  set.labels.reserve(total);
  for (CifarRecords& part : parts) {
    set.images.insert(set.images.end(), part.images.begin(), part.images.end());
    set.labels.insert(set.labels.end(), part.labels.begin(), part.labels.end());
    part = {};  // released as soon as copied, so the peak stays near one copy of the data set
  }
  return set;
}

DatasetPair load_cifar(const std::string& name, const fs::path& dir,
                       const std::vector<std::string>& train_names, const std::string& test_name,
                       CifarLabel label) {
  const std::string remedy = fetch_remedy(name);
  require_directory(dir, remedy);
  std::vector<fs::path> train_files;
  for (const std::string& file_name : train_names) {
    train_files.push_back(find_data_file(dir, file_name, remedy));
  }
  const fs::path test_file = find_data_file(dir, test_name, remedy);
  return {.train = load_cifar_split(train_files, label, name + "/train"),
          .test = load_cifar_split({test_file}, label, name + "/test")};
}

}  // namespace

bool is_known_dataset(const std::string& name) {
  return name == "mnist" || name == "mnist-hard" || name == "cifar10" || name == "cifar100" || is_idx_name(name);
}

namespace {

DatasetPair read_dataset(const std::string& name, const fs::path& data_dir, const LoadOptions& options) {
  if (name == "mnist") return load_idx(name, data_dir / "mnist", 10, fetch_remedy(name));
  if (name == "mnist-hard") {  // made from MNIST's files (data/stress_set.hpp)
    DatasetPair pair = load_idx("mnist", data_dir / "mnist", 10, fetch_remedy("mnist"));
    make_stress_set(pair);
    return pair;
  }
  if (name == "cifar10") {
    return load_cifar(name, data_dir / "cifar-10-batches-bin",
                      {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                       "data_batch_4.bin", "data_batch_5.bin"},
                      "test_batch.bin", CifarLabel::cifar10);
  }
  if (name == "cifar100") {
    const CifarLabel label = options.cifar100_labels == Cifar100Labels::fine
                                 ? CifarLabel::cifar100_fine
                                 : CifarLabel::cifar100_coarse;
    return load_cifar(name, data_dir / "cifar-100-binary", {"train.bin"}, "test.bin", label);
  }
  if (is_idx_name(name)) {  // names its own directory, so data_dir plays no part
    return load_idx(name, name.substr(idx_prefix.size()), std::nullopt, "");
  }
  throw DataError("unknown data set '" + name +
                  "'; expected mnist, mnist-hard, cifar10, cifar100 or idx:<dir>");
}

}  // namespace

DatasetPair load_dataset(const std::string& name, const fs::path& data_dir, const LoadOptions& options) {
  DatasetPair pair = read_dataset(name, data_dir, options);
  warm_pages(pair.train);
  warm_pages(pair.test);
  return pair;
}

}  // namespace pepita
