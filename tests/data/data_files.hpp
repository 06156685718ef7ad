#pragma once
// Test helpers: a scratch directory, writers for small files in the official data formats, and
// checks on DataError messages.
#include <doctest/doctest.h>
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "data/dataset.hpp"
#include "tests/one_line_error.hpp"

namespace pepita::test {

using Bytes = std::vector<std::uint8_t>;

// A fresh directory under the system temp directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    do {
      path_ = std::filesystem::temp_directory_path() / ("pepita-test-" + std::to_string(random()));
    } while (!std::filesystem::create_directory(path_));
  }
  ~TempDir() {
    std::error_code ignored;  // a destructor must not throw; a leftover temp dir is harmless
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Sets (or, given nullopt, unsets) an environment variable and restores it when destroyed.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::optional<std::string>& value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    set(value);
  }
  ~ScopedEnv() { set(old_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  void set(const std::optional<std::string>& value) {
    if (value) {
      setenv(name_.c_str(), value->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }
  std::string name_;
  std::optional<std::string> old_;
};

inline std::filesystem::path write_file(const std::filesystem::path& file, const Bytes& bytes) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  REQUIRE(out.good());
  return file;
}

inline std::filesystem::path write_gzip_file(const std::filesystem::path& file,
                                             const Bytes& bytes) {
  std::filesystem::create_directories(file.parent_path());
  const auto close = [](gzFile gz) { gzclose(gz); };
  const std::unique_ptr<gzFile_s, decltype(close)> gz(gzopen(file.c_str(), "wb"), close);
  REQUIRE(gz);
  REQUIRE(gzwrite(gz.get(), bytes.data(), unsigned(bytes.size())) == int(bytes.size()));
  return file;
}

inline Bytes read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline Bytes concat(Bytes head, const Bytes& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

// ---- idx (MNIST) files

inline Bytes big_endian_u32s(std::initializer_list<std::uint32_t> values) {
  Bytes bytes;
  for (std::uint32_t v : values) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(std::uint8_t(v >> shift));
  }
  return bytes;
}

inline Bytes idx_images_header(std::uint32_t count, std::uint32_t rows, std::uint32_t cols) {
  return big_endian_u32s({0x00000803, count, rows, cols});
}

inline Bytes idx_labels_header(std::uint32_t count) { return big_endian_u32s({0x00000801, count}); }

// `pixels` holds count × rows × cols bytes, image after image.
inline Bytes idx_images(std::uint32_t count, std::uint32_t rows, std::uint32_t cols,
                        const Bytes& pixels) {
  return concat(idx_images_header(count, rows, cols), pixels);
}

inline Bytes idx_labels(const Bytes& labels) {
  return concat(idx_labels_header(std::uint32_t(labels.size())), labels);
}

// Pixels 0, 1, 2, ... (mod 256) for `count` images of rows × cols.
inline Bytes counting_pixels(std::size_t count, std::size_t rows, std::size_t cols) {
  Bytes pixels(count * rows * cols);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = std::uint8_t(i);
  return pixels;
}

// One image per label, each rows × cols of counting pixels.
inline Bytes idx_images_for(const Bytes& labels, std::uint32_t rows = 2, std::uint32_t cols = 2) {
  return idx_images(std::uint32_t(labels.size()), rows, cols,
                    counting_pixels(labels.size(), rows, cols));
}

// The four files of an idx data set in `dir`, raw, with 2×2 images.
inline void write_idx_dataset(const std::filesystem::path& dir,
                              const Bytes& train_labels = {1, 0, 9},
                              const Bytes& test_labels = {7, 3}) {
  write_file(dir / "train-images-idx3-ubyte", idx_images_for(train_labels));
  write_file(dir / "train-labels-idx1-ubyte", idx_labels(train_labels));
  write_file(dir / "t10k-images-idx3-ubyte", idx_images_for(test_labels));
  write_file(dir / "t10k-labels-idx1-ubyte", idx_labels(test_labels));
}

// ---- CIFAR binary files

// One record whose image has every R byte = red, G = green, B = blue, except that the first
// pixel of each plane is 255 so that the order of pixels within a plane shows too.
inline Bytes cifar_record(const Bytes& label_bytes, std::uint8_t red, std::uint8_t green,
                          std::uint8_t blue) {
  Bytes record = label_bytes;
  for (std::uint8_t value : {red, green, blue}) {
    record.push_back(255);
    record.insert(record.end(), 32 * 32 - 1, value);
  }
  return record;
}

inline Bytes cifar10_record(std::uint8_t label, std::uint8_t red = 10, std::uint8_t green = 20,
                            std::uint8_t blue = 30) {
  return cifar_record({label}, red, green, blue);
}

inline Bytes cifar100_record(std::uint8_t coarse, std::uint8_t fine) {
  return cifar_record({coarse, fine}, 10, 20, 30);
}

// ---- checks

// Checks that `action` throws a DataError whose message is one line, starts with `file` and
// contains each of `parts`.
template <class Action>
void check_data_error(Action&& action, const std::filesystem::path& file,
                      std::initializer_list<std::string_view> parts) {
  const std::string message = testing::one_line_error<DataError>(action, file);
  for (std::string_view part : parts) {
    CHECK_MESSAGE(message.find(part) != std::string::npos, "missing: ", part);
  }
}

}  // namespace pepita::test
