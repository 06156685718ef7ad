#include "data/idx_reader.hpp"

#include <cstdio>
#include <limits>
#include <span>
#include <string>

#include "data/byte_source.hpp"
#include "data/hex_text.hpp"

namespace pepita {

namespace {

// The magic number's last byte is the dimension count; 0x08 before it means unsigned bytes.
constexpr std::uint32_t idx_images_magic = 0x00000803;
constexpr std::uint32_t idx_labels_magic = 0x00000801;

std::size_t dimension_count(std::uint32_t magic) { return magic & 0xff; }

std::uint32_t read_big_endian_u32(std::span<const std::uint8_t> bytes, std::size_t offset) {
  return std::uint32_t(bytes[offset]) << 24 | std::uint32_t(bytes[offset + 1]) << 16 |
         std::uint32_t(bytes[offset + 2]) << 8 | std::uint32_t(bytes[offset + 3]);
}

std::string join_dimensions(const std::vector<std::uint32_t>& dims) {
  std::string text;
  for (std::uint32_t dim : dims) text += (text.empty() ? "" : "×") + std::to_string(dim);
  return text;
}

// Saturates rather than wrapping, so that no garbage header can pass for the file's size.
std::uint64_t saturating_product(const std::vector<std::uint32_t>& dims) {
  constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t product = 1;
  for (std::uint32_t dim : dims) {
    if (dim == 0) return 0;
    product = product > max / dim ? max : product * dim;
  }
  return product;
}

// An idx file whose header matched the expected magic and its data size.
struct IdxContent {
  std::vector<std::uint32_t> dims;
  std::span<const std::uint8_t> data;  // the bytes after the header, views `bytes`
};

// Checks an idx file of `items` ("images", "labels") against its header; `bytes` must outlive
// the returned view.
IdxContent parse_idx(std::span<const std::uint8_t> bytes, std::uint32_t magic, const char* items,
                     const std::filesystem::path& file) {
  const std::size_t header_size = 4 * (1 + dimension_count(magic));
  if (bytes.empty()) throw file_error(file, "file is empty");
  if (bytes.size() >= 4 && read_big_endian_u32(bytes, 0) != magic) {
    throw file_error(file, "wrong magic number " + hex(read_big_endian_u32(bytes, 0)) +
                               ", expected " + hex(magic) + " for idx " + items);
  }
  if (bytes.size() < header_size) {
    throw file_error(file, "too short for an idx header (" + std::to_string(bytes.size()) +
                               " bytes, need " + std::to_string(header_size) + ")");
  }
  if (bytes.size() == header_size) {
    throw file_error(file, std::string("idx header but no ") + items);
  }

  IdxContent content;
  for (std::size_t d = 0; d < dimension_count(magic); ++d) {
    content.dims.push_back(read_big_endian_u32(bytes, 4 * (1 + d)));
  }
  content.data = bytes.subspan(header_size);
  const std::uint64_t declared = saturating_product(content.dims);
  if (declared != content.data.size()) {
    throw file_error(file, "header declares " + join_dimensions(content.dims) + " = " +
                               std::to_string(declared) + " data bytes, but the file has " +
                               std::to_string(content.data.size()) + " after its " +
                               std::to_string(header_size) + "-byte header");
  }
  return content;
}

}  // namespace

IdxImages read_idx_images(const std::filesystem::path& file) {
  const std::vector<std::uint8_t> bytes = read_file_bytes(file);
  const IdxContent content = parse_idx(bytes, idx_images_magic, "images", file);
  IdxImages images{
      .count = content.dims[0],
      .shape = {.channels = 1, .height = int(content.dims[1]), .width = int(content.dims[2])},
      .pixels = std::vector<float>(content.data.size())};
  for (std::size_t i = 0; i < content.data.size(); ++i) images.pixels[i] = content.data[i] / 255.0f;
  return images;
}

std::vector<std::int32_t> read_idx_labels(const std::filesystem::path& file) {
  const std::vector<std::uint8_t> bytes = read_file_bytes(file);
  const IdxContent content = parse_idx(bytes, idx_labels_magic, "labels", file);
  return {content.data.begin(), content.data.end()};
}

}  // namespace pepita
