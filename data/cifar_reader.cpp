#include "data/cifar_reader.hpp"

#include <cstdint>
#include <span>
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

namespace {

// The one check of a CIFAR file's size, whether it was read whole or streamed.
std::size_t record_count(std::uint64_t file_size, const LabelFormat& format, const std::filesystem::path& file) {
  if (file_size == 0) throw file_error(file, "file is empty");
  if (file_size % format.record_size() != 0) {
    throw file_error(file, "size " + std::to_string(file_size) +
                               " bytes is not a whole number of " +
                               std::to_string(format.record_size()) + "-byte records");
  }
  return std::size_t(file_size / format.record_size());
}

// The labels alone, picked out as the file streams past: its pixels are never held.
CifarRecords streamed_labels(const std::filesystem::path& file, const LabelFormat& format) {
  CifarRecords records;
  std::uint64_t position = 0;  // of the piece's first byte in the file
  stream_file_bytes(file, [&](std::span<const std::uint8_t> piece) {
    const std::uint64_t size = format.record_size();
    // The first label byte at or after `position`: each record's byte `format.offset`.
    std::uint64_t label = position / size * size + format.offset;
    if (label < position) label += size;
    for (; label < position + piece.size(); label += size) records.labels.push_back(piece[std::size_t(label - position)]);
    position += piece.size();
  });
  record_count(position, format, file);  // the size check; a file that passes has one label a record
  return records;
}

}  // namespace

CifarRecords read_cifar_file(const std::filesystem::path& file, CifarLabel label, Pixels pixels) {
  const LabelFormat format = label_format(label);
  if (pixels == Pixels::skip) return streamed_labels(file, format);
  const std::vector<std::uint8_t> bytes = read_file_bytes(file);
  const std::size_t count = record_count(bytes.size(), format, file);
  const std::size_t image_size = cifar_image_shape.size();
  CifarRecords records{.images = std::vector<float>(count * image_size), .labels = std::vector<std::int32_t>(count)};
  for (std::size_t r = 0; r < count; ++r) {
    const std::uint8_t* record = bytes.data() + r * format.record_size();
    records.labels[r] = record[format.offset];
    // Stored plane by plane (R, G, B), which is already the C×H×W order of a Dataset.
    const std::uint8_t* pixel = record + format.label_bytes;
    float* image = records.images.data() + r * image_size;
    for (std::size_t i = 0; i < image_size; ++i) image[i] = pixel[i] / 255.0f;
  }
  return records;
}

}  // namespace pepita
