#include "data/byte_source.hpp"

#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <new>
#include <optional>
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

// zlib counts in 32-bit uInt, so buffers are handed to it in slices of at most this many bytes.
constexpr std::size_t max_slice = std::numeric_limits<uInt>::max();

// A gzip file's content inflated piece by piece: feed() it the compressed bytes in order, then
// finish(). What it inflates goes into the room its Sink gives (`room()`: where to write next, never
// empty; `wrote(n)`: n bytes were written there).
template <class Sink>
class GunzipStream {
 public:
  GunzipStream(const fs::path& file, Sink& sink) : file_(file), sink_(sink) {}

  void feed(std::span<const std::uint8_t> compressed) {
    z_stream& stream = inflater_.stream();
    std::size_t consumed = 0;
    for (;;) {
      if (ended_ && consumed < compressed.size()) {
        inflateReset(&stream);  // gzip allows several members back to back, as `cat a.gz b.gz`
        ended_ = false;
      }
      const std::span<std::uint8_t> room = sink_.room();
      // zlib's API predates const; it never writes through next_in.
      stream.next_in = const_cast<Bytef*>(compressed.data() + consumed);
      stream.avail_in = uInt(std::min(compressed.size() - consumed, max_slice));
      stream.next_out = room.data();
      stream.avail_out = uInt(std::min(room.size(), max_slice));
      const int status = inflate(&stream, Z_NO_FLUSH);
      consumed = std::size_t(stream.next_in - compressed.data());
      sink_.wrote(std::size_t(stream.next_out - room.data()));
      const bool room_left = stream.avail_out > 0;
      if (status == Z_STREAM_END) {
        ended_ = true;
        if (consumed == compressed.size()) return;
      } else if (status == Z_OK || status == Z_BUF_ERROR) {
        // Z_BUF_ERROR: no progress was possible. With input left and room to write, that is no
        // gzip stream zlib knows; otherwise it only waits for the next piece (finish() decides).
        if (status == Z_BUF_ERROR && consumed < compressed.size() && room_left) throw corrupt(stream);
        // With the input used up and room left over, inflate holds nothing more back.
        if (consumed == compressed.size() && room_left) return;
      } else if (status == Z_MEM_ERROR) {
        throw std::bad_alloc();
      } else {
        throw corrupt(stream);
      }
    }
  }

  // The input has ended: it must have ended with a whole member.
  void finish() const {
    if (!ended_) throw file_error(file_, "truncated gzip stream");
  }

 private:
  DataError corrupt(const z_stream& stream) const {
    return file_error(file_, std::string("corrupt gzip data (") + (stream.msg ? stream.msg : "unknown error") + ")");
  }

  const fs::path& file_;
  Sink& sink_;
  GzipInflater inflater_;
  bool ended_ = false;  // the last member ended where the input so far ends
};

// Room in a vector that grows as inflate fills it, starting at `expected` bytes.
class GrowingBuffer {
 public:
  explicit GrowingBuffer(std::size_t expected) : bytes_(std::max<std::size_t>(expected, 1)) {}
  std::span<std::uint8_t> room() {
    if (used_ == bytes_.size()) bytes_.resize(2 * bytes_.size());
    return std::span(bytes_).subspan(used_);
  }
  void wrote(std::size_t n) { used_ += n; }
  std::vector<std::uint8_t> take() {
    bytes_.resize(used_);
    return std::move(bytes_);
  }

 private:
  std::vector<std::uint8_t> bytes_;
  std::size_t used_ = 0;
};

// Room in one fixed buffer, handed on each time inflate writes to it.
class PassingBuffer {
 public:
  explicit PassingBuffer(const std::function<void(std::span<const std::uint8_t>)>& take) : take_(take) {}
  std::span<std::uint8_t> room() { return bytes_; }
  void wrote(std::size_t n) {
    if (n > 0) take_(std::span<const std::uint8_t>(bytes_).first(n));
  }

 private:
  const std::function<void(std::span<const std::uint8_t>)>& take_;
  std::vector<std::uint8_t> bytes_ = std::vector<std::uint8_t>(std::size_t(1) << 20);
};

}  // namespace

std::vector<std::uint8_t> read_file_bytes(const fs::path& file) {
  std::vector<std::uint8_t> bytes = read_whole_file<DataError, std::vector<std::uint8_t>>(file, "");
  if (!is_gzip(bytes)) return bytes;
  GrowingBuffer out(expected_gunzipped_size(bytes));
  GunzipStream gunzip(file, out);
  gunzip.feed(bytes);
  gunzip.finish();
  return out.take();
}

void stream_file_bytes(const fs::path& file, const std::function<void(std::span<const std::uint8_t>)>& take) {
  OpenedFile opened = open_for_reading<DataError>(file, "");
  std::vector<std::uint8_t> piece(std::size_t(1) << 20);
  PassingBuffer out(take);
  std::optional<GunzipStream<PassingBuffer>> gunzip;
  for (std::uintmax_t read = 0; read < opened.size;) {
    const std::size_t wanted = std::size_t(std::min<std::uintmax_t>(piece.size(), opened.size - read));
    opened.in.read(reinterpret_cast<char*>(piece.data()), std::streamsize(wanted));
    if (std::size_t(opened.in.gcount()) != wanted) throw file_error(file, "read error");
    const std::span<const std::uint8_t> bytes = std::span(piece).first(wanted);
    // The content decides, as in read_file_bytes: the first piece holds the magic bytes if any.
    if (read == 0 && is_gzip(bytes)) gunzip.emplace(file, out);
    if (gunzip) gunzip->feed(bytes);
    else take(bytes);
    read += wanted;
  }
  if (gunzip) gunzip->finish();
}

}  // namespace pepita
