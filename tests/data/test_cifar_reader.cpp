#include "data/cifar_reader.hpp"
#include "tests/data/data_files.hpp"

namespace pepita {
namespace {

using test::Bytes;
using test::check_data_error;
using test::TempDir;

constexpr std::size_t plane = 32 * 32;

TEST_CASE("CIFAR-10 records: labels, and R, G, B planes in that order scaled by 1/255") {
  const TempDir dir;
  const auto file = test::write_file(
      dir / "data_batch_1.bin",
      test::concat(test::cifar10_record(7, 51, 102, 153), test::cifar10_record(0, 0, 0, 255)));
  const CifarRecords records = read_cifar_file(file, CifarLabel::cifar10);
  REQUIRE(records.size() == 2);
  CHECK(records.labels == std::vector<std::int32_t>{7, 0});
  REQUIRE(records.images.size() == 2 * 3 * plane);
  const float* first = records.images.data();
  CHECK(first[0] == 1.0f);  // each plane starts with a 255 pixel
  CHECK(first[1] == doctest::Approx(0.2f));
  CHECK(first[plane + 1] == doctest::Approx(0.4f));
  CHECK(first[2 * plane + 1] == doctest::Approx(0.6f));
  CHECK(first[3 * plane - 1] == doctest::Approx(0.6f));
  const float* second = first + 3 * plane;
  CHECK(second[1] == 0.0f);
  CHECK(second[2 * plane + 1] == 1.0f);
}

TEST_CASE("CIFAR-100 records give the fine or the coarse label on request") {
  const TempDir dir;
  const auto file = test::write_file(
      dir / "train.bin", test::concat(test::cifar100_record(3, 42), test::cifar100_record(19, 99)));
  CHECK(read_cifar_file(file, CifarLabel::cifar100_fine).labels ==
        std::vector<std::int32_t>{42, 99});
  const CifarRecords coarse = read_cifar_file(file, CifarLabel::cifar100_coarse);
  CHECK(coarse.labels == std::vector<std::int32_t>{3, 19});
  // Two label bytes come before the pixels, so the image is where a CIFAR-10 reader would not look.
  CHECK(coarse.images[0] == 1.0f);
  CHECK(coarse.images[1] == doctest::Approx(10 / 255.0f));
}

TEST_CASE("CIFAR class counts: 10, 20 coarse, 100 fine") {
  CHECK(cifar_class_count(CifarLabel::cifar10) == 10);
  CHECK(cifar_class_count(CifarLabel::cifar100_coarse) == 20);
  CHECK(cifar_class_count(CifarLabel::cifar100_fine) == 100);
}

TEST_CASE("a gzipped CIFAR file reads the same as a raw one") {
  const TempDir dir;
  const Bytes records = test::concat(test::cifar10_record(1), test::cifar10_record(2, 5, 6, 7));
  const CifarRecords raw =
      read_cifar_file(test::write_file(dir / "a.bin", records), CifarLabel::cifar10);
  const CifarRecords gzipped =
      read_cifar_file(test::write_gzip_file(dir / "b.bin", records), CifarLabel::cifar10);
  CHECK(gzipped.labels == raw.labels);
  CHECK(gzipped.images == raw.images);
}

TEST_CASE("a CIFAR file that is not a whole number of records is a DataError giving the sizes") {
  const TempDir dir;
  Bytes records = test::concat(test::cifar10_record(1), test::cifar10_record(2));
  records.pop_back();
  const auto file = test::write_file(dir / "data_batch_1.bin", records);
  check_data_error([&] { read_cifar_file(file, CifarLabel::cifar10); }, file,
                   {"size 6145 bytes", "3073-byte records"});
  // A CIFAR-10 file read as CIFAR-100 has the wrong record size too.
  const auto cifar10 = test::write_file(dir / "test.bin", test::cifar10_record(1));
  check_data_error([&] { read_cifar_file(cifar10, CifarLabel::cifar100_fine); }, cifar10,
                   {"size 3073 bytes", "3074-byte records"});
}

TEST_CASE("an empty CIFAR file is a DataError") {
  const TempDir dir;
  const auto file = test::write_file(dir / "test_batch.bin", {});
  check_data_error([&] { read_cifar_file(file, CifarLabel::cifar10); }, file, {"file is empty"});
}

TEST_CASE("a missing CIFAR file is a DataError naming it") {
  const TempDir dir;
  check_data_error([&] { read_cifar_file(dir / "test.bin", CifarLabel::cifar100_fine); },
                   dir / "test.bin", {"not found"});
}

}  // namespace
}  // namespace pepita
