#pragma once
// An in-memory image classification data set: every sample is a C×H×W float image in [0, 1]
// and a class label, stored contiguously so a batch is a gather of rows.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace pepita {

// Any problem with a data file: the message names the file and what is wrong with it.
struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ImageShape {
  int channels = 0;
  int height = 0;
  int width = 0;
  std::size_t size() const { return std::size_t(channels) * height * width; }
};

struct Dataset {
  std::string name;  // e.g. "mnist/train"
  ImageShape shape;
  int classes = 0;
  std::vector<float> images;          // size() × shape.size(), row-major C×H×W per sample (empty on
                                      // an MPI rank that does not run the input node)
  std::vector<std::int32_t> labels;   // each in [0, classes)
  // Pixels in the same layout that live elsewhere, kept alive by the pointer's deleter: the Python
  // module lends a numpy array this way instead of copying it. When set, `images` stays empty.
  std::shared_ptr<const float> borrowed_images{};

  std::size_t size() const { return labels.size(); }
  const float* pixels() const { return borrowed_images ? borrowed_images.get() : images.data(); }
  const float* image(std::size_t i) const { return pixels() + i * shape.size(); }
};

struct DatasetPair {
  Dataset train;
  Dataset test;
};

enum class Cifar100Labels { fine, coarse };

struct LoadOptions {
  Cifar100Labels cifar100_labels = Cifar100Labels::fine;
};

// Names: "mnist", "cifar10", "cifar100", or "idx:<dir>" for any directory holding the four
// MNIST-format idx files (raw or .gz). Known names resolve under data_dir (mnist/,
// cifar-10-batches-bin/, cifar-100-binary/). Throws DataError.
DatasetPair load_dataset(const std::string& name, const std::filesystem::path& data_dir,
                         const LoadOptions& options = {});

// True for the names load_dataset accepts (without touching the disk).
bool is_known_dataset(const std::string& name);

}  // namespace pepita
