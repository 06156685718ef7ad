// The byte source read as a stream (stream_file_bytes), against the whole read (read_file_bytes):
// files of several pieces, raw and gzipped, gzip members whose boundary falls inside a piece, and
// the same errors. The readers of a data set without its pixels rely on it.
#include <cstdint>
#include <span>
#include <vector>

#include "data/byte_source.hpp"
#include "tests/data/data_files.hpp"

namespace pepita {
namespace {

using test::Bytes;
using test::check_data_error;
using test::TempDir;

// Bytes that deflate cannot shrink, so that the gzipped file spans several of the stream's 1 MiB
// pieces as its content does.
Bytes noise(std::size_t size, std::uint32_t seed) {
  Bytes bytes(size);
  std::uint32_t state = seed;
  for (std::uint8_t& byte : bytes) {
    state = state * 1664525u + 1013904223u;
    byte = std::uint8_t(state >> 24);
  }
  return bytes;
}

struct Streamed {
  Bytes bytes;
  int pieces = 0;
};

Streamed stream(const std::filesystem::path& file) {
  Streamed streamed;
  stream_file_bytes(file, [&](std::span<const std::uint8_t> piece) {
    CHECK_FALSE(piece.empty());
    streamed.bytes.insert(streamed.bytes.end(), piece.begin(), piece.end());
    ++streamed.pieces;
  });
  return streamed;
}

TEST_CASE("a file streamed in pieces gives the bytes it gives read whole, raw or gzipped") {
  const TempDir dir;
  const Bytes content = noise(3'500'000, 1);
  const auto raw = test::write_file(dir / "raw", content);
  const auto gzipped = test::write_gzip_file(dir / "one.gz", content);
  REQUIRE(std::filesystem::file_size(gzipped) > 2'000'000);  // compressed, it still spans pieces
  // Two members back to back, the first ending inside the second piece of the compressed file.
  const Bytes tail = noise(700'000, 2);
  const auto members = test::write_file(
      dir / "two.gz", test::concat(test::read_file(test::write_gzip_file(dir / "head.gz", content)),
                                   test::read_file(test::write_gzip_file(dir / "tail.gz", tail))));
  for (const auto& file : {raw, gzipped, members}) {
    CAPTURE(file);
    const Streamed streamed = stream(file);
    CHECK(streamed.pieces > 1);
    CHECK(streamed.bytes == read_file_bytes(file));
  }
  CHECK(stream(members).bytes == test::concat(content, tail));
}

TEST_CASE("a file streamed is refused as it is refused read whole") {
  const TempDir dir;
  const Bytes gzipped = test::read_file(test::write_gzip_file(dir / "good.gz", noise(2'500'000, 3)));
  // Cut inside the first piece, inside a later one, and in the trailer.
  for (std::size_t cut : {std::size_t(100'000), std::size_t(1'600'000), gzipped.size() - 4}) {
    CAPTURE(cut);
    const auto file = test::write_file(dir / "cut.gz", Bytes(gzipped.begin(), gzipped.begin() + std::ptrdiff_t(cut)));
    check_data_error([&] { read_file_bytes(file); }, file, {"truncated gzip stream"});
    check_data_error([&] { stream(file); }, file, {"truncated gzip stream"});
  }
  Bytes damaged = gzipped;
  damaged[gzipped.size() - 8] ^= 0xff;  // the trailer's CRC-32, read after every piece
  const auto file = test::write_file(dir / "damaged.gz", damaged);
  check_data_error([&] { read_file_bytes(file); }, file, {"corrupt gzip data"});
  check_data_error([&] { stream(file); }, file, {"corrupt gzip data"});
  check_data_error([&] { stream(dir / "missing"); }, dir / "missing", {"file not found"});
  check_data_error([&] { stream(dir.path()); }, dir.path(), {"is a directory"});
}

}  // namespace
}  // namespace pepita
