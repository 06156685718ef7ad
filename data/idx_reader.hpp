#pragma once
// The idx format of MNIST and its look-alikes (Fashion-MNIST, KMNIST, ...): a big-endian header
// (magic number, then one 32-bit size per dimension) followed by unsigned bytes.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "data/dataset.hpp"

namespace pepita {

struct IdxImages {
  std::size_t count = 0;
  ImageShape shape;           // 1 × rows × cols
  std::vector<float> pixels;  // count × rows × cols, scaled from bytes to [0, 1]
};

// An idx image file (magic 0x00000803: count, rows, cols), raw or gzipped. Throws DataError.
IdxImages read_idx_images(const std::filesystem::path& file);

// An idx label file (magic 0x00000801: count), raw or gzipped. Throws DataError.
std::vector<std::int32_t> read_idx_labels(const std::filesystem::path& file);

}  // namespace pepita
