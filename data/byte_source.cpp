#include "data/byte_source.hpp"

#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <new>
#include <span>

#include "data/whole_file.hpp"

namespace pepita {

namespace fs = std::filesystem;

DataError file_error(const fs::path& file, const std::string& problem) {
  return DataError(file.string() + ": " + problem);
}

namespace {


bool is_gzip(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

// Owns a zlib inflate stream, so that every exit path releases it.
class GzipInflater {
 public:
  GzipInflater() {
    // 16 + MAX_WBITS: expect a gzip header and trailer, not a raw zlib stream.
    if (inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK) throw std::bad_alloc();
  }
  ~GzipInflater() { inflateEnd(&stream_); }
  GzipInflater(const GzipInflater&) = delete;
  GzipInflater& operator=(const GzipInflater&) = delete;

  z_stream& stream() { return stream_; }

 private:
  z_stream stream_{};
};

// A first size for the output buffer, so that it seldom has to grow (a copy, and zero-filling
// pages that are then overwritten). The gzip trailer holds the size modulo 2^32; it is
// trusted only as far as deflate can expand (1032:1), and one spare byte lets inflate reach
// the end of the stream without a full buffer.
std::size_t expected_gunzipped_size(std::span<const std::uint8_t> compressed) {
  constexpr std::size_t smallest_gzip = 18;  // 10-byte header, 8-byte trailer
  if (compressed.size() < smallest_gzip) return 1;
  const std::uint8_t* trailer = compressed.data() + compressed.size() - 4;
  const std::size_t stored = std::size_t(trailer[0]) | std::size_t(trailer[1]) << 8 |
                             std::size_t(trailer[2]) << 16 | std::size_t(trailer[3]) << 24;
  return std::min(stored, 1032 * compressed.size()) + 1;
}

std::vector<std::uint8_t> gunzip(std::span<const std::uint8_t> compressed, const fs::path& file) {
  // zlib counts in 32-bit uInt, so buffers are handed to it in slices of at most this many bytes.
  constexpr std::size_t max_slice = std::numeric_limits<uInt>::max();
  GzipInflater inflater;
  z_stream& stream = inflater.stream();
  std::vector<std::uint8_t> out(expected_gunzipped_size(compressed));
  std::size_t consumed = 0;
  std::size_t produced = 0;
  for (;;) {
    if (produced == out.size()) out.resize(2 * out.size());
    // zlib's API predates const; it never writes through next_in.
    stream.next_in = const_cast<Bytef*>(compressed.data() + consumed);
    stream.avail_in = uInt(std::min(compressed.size() - consumed, max_slice));
    stream.next_out = out.data() + produced;
    stream.avail_out = uInt(std::min(out.size() - produced, max_slice));
    const int status = inflate(&stream, Z_NO_FLUSH);
    consumed = std::size_t(stream.next_in - compressed.data());
    produced = std::size_t(stream.next_out - out.data());

    if (status == Z_STREAM_END) {
      if (consumed == compressed.size()) break;
      inflateReset(&stream);  // gzip allows several members back to back, as `cat a.gz b.gz`
    } else if (status == Z_BUF_ERROR) {
      // No progress although there was room for output: the input ended mid-stream.
      throw file_error(file, "truncated gzip stream");
    } else if (status == Z_MEM_ERROR) {
      throw std::bad_alloc();
    } else if (status != Z_OK) {
      throw file_error(file, std::string("corrupt gzip data (") +
                                 (stream.msg ? stream.msg : "unknown error") + ")");
    }
  }
  out.resize(produced);
  return out;
}

}  // namespace

std::vector<std::uint8_t> read_file_bytes(const fs::path& file) {
  std::vector<std::uint8_t> bytes = read_whole_file<DataError, std::vector<std::uint8_t>>(file, "");
  if (is_gzip(bytes)) return gunzip(bytes, file);
  return bytes;
}

}  // namespace pepita
