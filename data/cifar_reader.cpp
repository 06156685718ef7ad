#include "data/cifar_reader.hpp"

#include <stdexcept>
#include <string>

#include "data/byte_source.hpp"

namespace pepita {

namespace {

// What a kind of label means for the records: where its byte sits, how many label bytes precede
// the pixels, and how many classes it distinguishes.
struct LabelFormat {
  std::size_t offset;
  std::size_t label_bytes;
  int classes;
  std::size_t record_size() const { return label_bytes + cifar_image_shape.size(); }
};

LabelFormat label_format(CifarLabel label) {
  switch (label) {
    case CifarLabel::cifar10:
      return {.offset = 0, .label_bytes = 1, .classes = 10};
    case CifarLabel::cifar100_coarse:
      return {.offset = 0, .label_bytes = 2, .classes = 20};
    case CifarLabel::cifar100_fine:
      return {.offset = 1, .label_bytes = 2, .classes = 100};
  }
  throw std::invalid_argument("unknown CifarLabel");
}

}  // namespace

int cifar_class_count(CifarLabel label) { return label_format(label).classes; }

CifarRecords read_cifar_file(const std::filesystem::path& file, CifarLabel label) {
  const std::vector<std::uint8_t> bytes = read_file_bytes(file);
  const LabelFormat format = label_format(label);
  if (bytes.empty()) throw file_error(file, "file is empty");
  if (bytes.size() % format.record_size() != 0) {
    throw file_error(file, "size " + std::to_string(bytes.size()) +
                               " bytes is not a whole number of " +
                               std::to_string(format.record_size()) + "-byte records");
  }

  const std::size_t count = bytes.size() / format.record_size();
  const std::size_t pixels = cifar_image_shape.size();
  CifarRecords records{.images = std::vector<float>(count * pixels),
                       .labels = std::vector<std::int32_t>(count)};
  for (std::size_t r = 0; r < count; ++r) {
    const std::uint8_t* record = bytes.data() + r * format.record_size();
    records.labels[r] = record[format.offset];
    // Stored plane by plane (R, G, B), which is already the C×H×W order of a Dataset.
    const std::uint8_t* pixel = record + format.label_bytes;
    float* image = records.images.data() + r * pixels;
    for (std::size_t i = 0; i < pixels; ++i) image[i] = pixel[i] / 255.0f;
  }
  return records;
}

}  // namespace pepita
