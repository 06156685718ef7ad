#pragma once
// The CIFAR-10 and CIFAR-100 binary formats: a file is a sequence of fixed-size records, each
// one or two label bytes followed by a 32×32 image as R, G and B planes.
#include <cstdint>
#include <filesystem>
#include <vector>

#include "data/dataset.hpp"

namespace pepita {

inline constexpr ImageShape cifar_image_shape{.channels = 3, .height = 32, .width = 32};

// Which label to keep: a CIFAR-10 record has one label byte, a CIFAR-100 record has a coarse
// label (20 super-classes) and then a fine one (100 classes).
enum class CifarLabel { cifar10, cifar100_coarse, cifar100_fine };

int cifar_class_count(CifarLabel label);

struct CifarRecords {
  std::vector<float> images;         // size() × 3×32×32, scaled from bytes to [0, 1]
  std::vector<std::int32_t> labels;  // as stored; not checked against the class count

  std::size_t size() const { return labels.size(); }
};

// Every record of one CIFAR binary file, raw or gzipped. The file must hold a whole, non-zero
// number of records. Throws DataError.
CifarRecords read_cifar_file(const std::filesystem::path& file, CifarLabel label);

}  // namespace pepita
