#include "data/idx_reader.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <span>
#include <string>
#include <utility>

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
struct IdxHeader {
  std::vector<std::uint32_t> dims;
  std::size_t size = 0;  // of the header, in bytes
};

std::size_t idx_header_size(std::uint32_t magic) { return 4 * (1 + dimension_count(magic)); }

// Checks an idx file of `items` ("images", "labels") against its header, from the file's first
// bytes (`start`: its first idx_header_size(magic) bytes, or all of a shorter file) and its size.
IdxHeader check_idx_header(std::span<const std::uint8_t> start, std::uint64_t file_size, std::uint32_t magic,
                           const char* items, const std::filesystem::path& file) {
  const std::size_t header_size = idx_header_size(magic);
  if (file_size == 0) throw file_error(file, "file is empty");
  if (start.size() >= 4 && read_big_endian_u32(start, 0) != magic) {
    throw file_error(file, "wrong magic number " + hex(read_big_endian_u32(start, 0)) +
                               ", expected " + hex(magic) + " for idx " + items);
  }
  if (file_size < header_size) {
    throw file_error(file, "too short for an idx header (" + std::to_string(file_size) +
                               " bytes, need " + std::to_string(header_size) + ")");
  }
  if (file_size == header_size) {
    throw file_error(file, std::string("idx header but no ") + items);
  }

  IdxHeader header{.dims = {}, .size = header_size};
  for (std::size_t d = 0; d < dimension_count(magic); ++d) {
    header.dims.push_back(read_big_endian_u32(start, 4 * (1 + d)));
  }
  const std::uint64_t declared = saturating_product(header.dims);
  const std::uint64_t data_size = file_size - header_size;
  if (declared != data_size) {
    throw file_error(file, "header declares " + join_dimensions(header.dims) + " = " +
                               std::to_string(declared) + " data bytes, but the file has " +
                               std::to_string(data_size) + " after its " +
                               std::to_string(header_size) + "-byte header");
  }
  return header;
}

// A whole idx file in memory: its checked header, and a view of its data (`bytes` must outlive it).
struct IdxContent {
  IdxHeader header;
  std::span<const std::uint8_t> data;
};

IdxContent parse_idx(std::span<const std::uint8_t> bytes, std::uint32_t magic, const char* items,
                     const std::filesystem::path& file) {
  IdxHeader header = check_idx_header(bytes.first(std::min(bytes.size(), idx_header_size(magic))), bytes.size(), magic, items, file);
  const std::size_t size = header.size;
  return {std::move(header), bytes.subspan(size)};
}

// The header of an idx file read as a stream, which is never held whole: only its first bytes and
// its size are kept.
IdxHeader streamed_idx_header(std::uint32_t magic, const char* items, const std::filesystem::path& file) {
  std::vector<std::uint8_t> start;
  std::uint64_t size = 0;
  const std::size_t wanted = idx_header_size(magic);
  stream_file_bytes(file, [&](std::span<const std::uint8_t> piece) {
    const std::size_t missing = wanted - start.size();
    start.insert(start.end(), piece.begin(), piece.begin() + std::ptrdiff_t(std::min(missing, piece.size())));
    size += piece.size();
  });
  return check_idx_header(start, size, magic, items, file);
}

}  // namespace

IdxImages read_idx_images(const std::filesystem::path& file, Pixels pixels) {
  const auto images_of = [](const IdxHeader& header) {
    return IdxImages{.count = header.dims[0],
                     .shape = {.channels = 1, .height = int(header.dims[1]), .width = int(header.dims[2])},
                     .pixels = {}};
  };
  // Without pixels, the file is checked as it streams past, and never held.
  if (pixels == Pixels::skip) return images_of(streamed_idx_header(idx_images_magic, "images", file));
  const std::vector<std::uint8_t> bytes = read_file_bytes(file);
  const IdxContent content = parse_idx(bytes, idx_images_magic, "images", file);
  IdxImages images = images_of(content.header);
  images.pixels.resize(content.data.size());
  for (std::size_t i = 0; i < images.pixels.size(); ++i) images.pixels[i] = content.data[i] / 255.0f;
  return images;
}

std::vector<std::int32_t> read_idx_labels(const std::filesystem::path& file) {
  const std::vector<std::uint8_t> bytes = read_file_bytes(file);
  const IdxContent content = parse_idx(bytes, idx_labels_magic, "labels", file);
  return {content.data.begin(), content.data.end()};
}

}  // namespace pepita
