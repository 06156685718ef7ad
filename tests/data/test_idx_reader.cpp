// The idx reader, and through it the byte source every reader shares (missing files, gzip).
#include "data/idx_reader.hpp"
#include "tests/data/data_files.hpp"

namespace pepita {
namespace {

using test::Bytes;
using test::check_data_error;
using test::TempDir;

TEST_CASE("idx images: shape, count and pixels scaled by 1/255") {
  const TempDir dir;
  const auto file = test::write_file(
      dir / "images", test::idx_images(2, 2, 3, {0, 51, 255, 1, 2, 3, 4, 5, 6, 7, 8, 102}));
  const IdxImages images = read_idx_images(file);
  CHECK(images.count == 2);
  CHECK(images.shape.channels == 1);
  CHECK(images.shape.height == 2);
  CHECK(images.shape.width == 3);
  REQUIRE(images.pixels.size() == 12);
  CHECK(images.pixels[0] == 0.0f);
  CHECK(images.pixels[1] == doctest::Approx(0.2f));
  CHECK(images.pixels[2] == 1.0f);
  CHECK(images.pixels[11] == doctest::Approx(0.4f));
}

TEST_CASE("idx labels are read as integers") {
  const TempDir dir;
  const auto file = test::write_file(dir / "labels", test::idx_labels({3, 0, 9, 255}));
  CHECK(read_idx_labels(file) == std::vector<std::int32_t>{3, 0, 9, 255});
}

TEST_CASE("gzipped idx files read the same as raw ones") {
  const TempDir dir;
  const Bytes images = test::idx_images(3, 4, 5, test::counting_pixels(3, 4, 5));
  const Bytes labels = test::idx_labels({4, 1, 7});
  const IdxImages raw = read_idx_images(test::write_file(dir / "images", images));
  const IdxImages gzipped = read_idx_images(test::write_gzip_file(dir / "images.gz", images));
  CHECK(gzipped.count == raw.count);
  CHECK(gzipped.shape.height == raw.shape.height);
  CHECK(gzipped.shape.width == raw.shape.width);
  CHECK(gzipped.pixels == raw.pixels);
  CHECK(read_idx_labels(test::write_gzip_file(dir / "labels.gz", labels)) ==
        read_idx_labels(test::write_file(dir / "labels", labels)));
}

TEST_CASE("gzip is recognised by its magic bytes, not by the file name") {
  const TempDir dir;
  const auto file =
      test::write_gzip_file(dir / "labels-without-gz-extension", test::idx_labels({5}));
  CHECK(read_idx_labels(file) == std::vector<std::int32_t>{5});
}

TEST_CASE("gzip members written back to back read as one file") {
  const TempDir dir;
  const Bytes labels = test::idx_labels({1, 2, 3, 4});
  const Bytes head(labels.begin(), labels.begin() + 10);
  const Bytes tail(labels.begin() + 10, labels.end());
  const Bytes members = test::concat(test::read_file(test::write_gzip_file(dir / "head.gz", head)),
                                     test::read_file(test::write_gzip_file(dir / "tail.gz", tail)));
  CHECK(read_idx_labels(test::write_file(dir / "labels.gz", members)) ==
        std::vector<std::int32_t>{1, 2, 3, 4});
}

TEST_CASE("a missing idx file is a DataError naming it") {
  const TempDir dir;
  check_data_error([&] { read_idx_images(dir / "absent"); }, dir / "absent", {"not found"});
}

TEST_CASE("a directory in place of an idx file is a DataError") {
  const TempDir dir;
  check_data_error([&] { read_idx_labels(dir.path()); }, dir.path(), {"is a directory"});
}

TEST_CASE("an empty idx file is a DataError") {
  const TempDir dir;
  const auto file = test::write_file(dir / "images", {});
  check_data_error([&] { read_idx_images(file); }, file, {"file is empty"});
}

TEST_CASE("an idx file shorter than its header is a DataError") {
  const TempDir dir;
  const auto file = test::write_file(dir / "images", test::big_endian_u32s({0x00000803, 5}));
  check_data_error([&] { read_idx_images(file); }, file,
                   {"too short for an idx header", "8 bytes", "need 16"});
}

TEST_CASE("an idx file with a header but no data is a DataError") {
  const TempDir dir;
  const auto images = test::write_file(dir / "images", test::idx_images_header(10, 28, 28));
  check_data_error([&] { read_idx_images(images); }, images, {"idx header but no images"});
  const auto labels = test::write_file(dir / "labels", test::idx_labels_header(10));
  check_data_error([&] { read_idx_labels(labels); }, labels, {"idx header but no labels"});
}

TEST_CASE("idx header counts larger than the file are a DataError giving both sizes") {
  const TempDir dir;
  const auto images =
      test::write_file(dir / "images", test::idx_images(3, 2, 2, test::counting_pixels(2, 2, 2)));
  check_data_error(
      [&] { read_idx_images(images); }, images,
      {"header declares 3×2×2 = 12 data bytes", "the file has 8 after its 16-byte header"});
  const auto labels =
      test::write_file(dir / "labels", test::concat(test::idx_labels_header(5), {1, 2}));
  check_data_error([&] { read_idx_labels(labels); }, labels,
                   {"header declares 5 = 5 data bytes", "the file has 2 after its 8-byte header"});
}

TEST_CASE("idx header counts smaller than the file are a DataError giving both sizes") {
  const TempDir dir;
  const auto images =
      test::write_file(dir / "images", test::idx_images(1, 2, 2, test::counting_pixels(2, 2, 2)));
  check_data_error([&] { read_idx_images(images); }, images,
                   {"header declares 1×2×2 = 4 data bytes", "the file has 8 after"});
}

TEST_CASE("an absurd idx header cannot overflow into a match with the file size") {
  const TempDir dir;
  // 0x7fff0001 × 0x80010001 × 4 = 2^64 + 4: wrapped to 64 bits it would match the 4 data bytes.
  const auto file =
      test::write_file(dir / "images", test::idx_images(0x7fff0001, 0x80010001, 4, {1, 2, 3, 4}));
  check_data_error([&] { read_idx_images(file); }, file,
                   {"header declares", "the file has 4 after"});
}

TEST_CASE("an idx file with the wrong magic number is a DataError naming both magics") {
  const TempDir dir;
  const auto labels_file = test::write_file(dir / "labels", test::idx_labels({1, 2, 3}));
  check_data_error([&] { read_idx_images(labels_file); }, labels_file,
                   {"wrong magic number 0x00000801", "expected 0x00000803"});
  const auto images_file = test::write_file(dir / "images", test::idx_images(1, 1, 1, {9}));
  check_data_error([&] { read_idx_labels(images_file); }, images_file,
                   {"wrong magic number 0x00000803", "expected 0x00000801"});
}

TEST_CASE("gzip garbage is a DataError") {
  const TempDir dir;
  const auto file = test::write_file(
      dir / "images.gz",
      {0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18});
  check_data_error([&] { read_idx_images(file); }, file, {"corrupt gzip data"});
}

TEST_CASE("a gzip stream whose check sum fails is a DataError") {
  const TempDir dir;
  Bytes gzipped = test::read_file(test::write_gzip_file(dir / "good.gz", test::idx_labels({1, 2})));
  gzipped[gzipped.size() - 8] ^= 0xff;  // the trailer's CRC-32
  const auto file = test::write_file(dir / "labels.gz", gzipped);
  check_data_error([&] { read_idx_labels(file); }, file, {"corrupt gzip data"});
}

TEST_CASE("a truncated gzip stream is a DataError") {
  const TempDir dir;
  const Bytes gzipped = test::read_file(test::write_gzip_file(
      dir / "good.gz", test::idx_images(4, 8, 8, test::counting_pixels(4, 8, 8))));
  for (std::size_t cut : {gzipped.size() / 2, gzipped.size() - 4, std::size_t(2)}) {
    CAPTURE(cut);
    const auto file =
        test::write_file(dir / "images.gz", Bytes(gzipped.begin(), gzipped.begin() + cut));
    check_data_error([&] { read_idx_images(file); }, file, {"truncated gzip stream"});
  }
}

}  // namespace
}  // namespace pepita
