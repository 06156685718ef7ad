#include <cmath>
#include <cstdlib>
#include <numeric>

#include "data/dataset.hpp"
#include "tests/data/data_files.hpp"

namespace pepita {
namespace {

using test::Bytes;
using test::check_data_error;
using test::TempDir;

// ---- MNIST and other idx data sets

TEST_CASE("mnist loads its four idx files from <data_dir>/mnist") {
  const TempDir dir;
  test::write_idx_dataset(dir / "mnist", {1, 0, 9}, {7, 3});
  const DatasetPair mnist = load_dataset("mnist", dir.path());
  CHECK(mnist.train.name == "mnist/train");
  CHECK(mnist.test.name == "mnist/test");
  CHECK(mnist.train.classes == 10);
  CHECK(mnist.test.classes == 10);
  CHECK(mnist.train.size() == 3);
  CHECK(mnist.test.size() == 2);
  CHECK(mnist.train.shape.size() == 4);
  CHECK(mnist.train.labels == std::vector<std::int32_t>{1, 0, 9});
  CHECK(mnist.test.labels == std::vector<std::int32_t>{7, 3});
  CHECK(mnist.train.image(2)[3] == doctest::Approx(11 / 255.0f));  // counting pixels: 11th byte
}

TEST_CASE("mnist files may be gzipped, and a raw copy wins over a .gz one") {
  const TempDir dir;
  const auto mnist = dir / "mnist";
  test::write_idx_dataset(mnist, {1, 0, 9}, {7, 3});
  std::filesystem::remove(mnist / "train-images-idx3-ubyte");
  test::write_gzip_file(mnist / "train-images-idx3-ubyte.gz", test::idx_images_for({1, 0, 9}));
  // Both copies of the train labels: the raw one must be the one read.
  test::write_gzip_file(mnist / "train-labels-idx1-ubyte.gz", test::idx_labels({2, 2, 2}));

  const DatasetPair loaded = load_dataset("mnist", dir.path());
  CHECK(loaded.train.size() == 3);
  CHECK(loaded.train.image(2)[3] == doctest::Approx(11 / 255.0f));
  CHECK(loaded.train.labels == std::vector<std::int32_t>{1, 0, 9});
}

TEST_CASE("idx:<dir> loads from that directory, with classes = largest label + 1") {
  const TempDir dir;
  test::write_idx_dataset(dir / "fashion", {3, 1, 2}, {6, 0});
  const std::string name = "idx:" + (dir / "fashion").string();
  const DatasetPair fashion = load_dataset(name, "/nonexistent/data/dir");
  CHECK(fashion.train.name == name + "/train");
  CHECK(fashion.train.classes == 7);
  CHECK(fashion.test.classes == 7);
  CHECK(fashion.test.labels == std::vector<std::int32_t>{6, 0});
}

TEST_CASE("a missing data set directory names it and says how to get the data") {
  const TempDir dir;
  check_data_error([&] { load_dataset("mnist", dir.path()); }, dir / "mnist",
                   {"not found", "scripts/fetch-data.sh mnist", "--data-dir", "PEPITA_DATA_DIR"});
  check_data_error([&] { load_dataset("cifar100", dir.path()); }, dir / "cifar-100-binary",
                   {"not found", "scripts/fetch-data.sh cifar100"});
  check_data_error([&] { load_dataset("idx:" + (dir / "nowhere").string(), dir.path()); },
                   dir / "nowhere", {"not found"});
}

TEST_CASE("a missing mnist file names it and says how to get the data") {
  const TempDir dir;
  test::write_idx_dataset(dir / "mnist");
  std::filesystem::remove(dir / "mnist" / "t10k-labels-idx1-ubyte");
  check_data_error([&] { load_dataset("mnist", dir.path()); },
                   dir / "mnist" / "t10k-labels-idx1-ubyte",
                   {"not found (nor t10k-labels-idx1-ubyte.gz)", "scripts/fetch-data.sh mnist"});
}

TEST_CASE("image and label counts that differ name both files and both counts") {
  const TempDir dir;
  const auto mnist = dir / "mnist";
  test::write_idx_dataset(mnist, {1, 0, 9}, {7, 3});
  test::write_file(mnist / "train-labels-idx1-ubyte", test::idx_labels({1, 0}));
  check_data_error([&] { load_dataset("mnist", dir.path()); }, mnist / "train-images-idx3-ubyte",
                   {"3 images", (mnist / "train-labels-idx1-ubyte").string() + " has 2 labels"});
}

TEST_CASE("an mnist label of 10 or more names the file, the sample and the class count") {
  const TempDir dir;
  const auto mnist = dir / "mnist";
  for (int bad_label : {10, 255}) {
    CAPTURE(bad_label);
    test::write_idx_dataset(mnist, {1, 0, 9}, {7, std::uint8_t(bad_label)});
    check_data_error([&] { load_dataset("mnist", dir.path()); }, mnist / "t10k-labels-idx1-ubyte",
                     {"sample 1 has label " + std::to_string(bad_label), "10 classes"});
  }
}

TEST_CASE("train and test images of different shapes are a DataError") {
  const TempDir dir;
  const auto mnist = dir / "mnist";
  test::write_idx_dataset(mnist, {1, 0, 9}, {7, 3});
  test::write_file(mnist / "t10k-images-idx3-ubyte", test::idx_images_for({7, 3}, 3, 2));
  check_data_error([&] { load_dataset("mnist", dir.path()); }, mnist / "t10k-images-idx3-ubyte",
                   {"images are 1×3×2", "1×2×2"});
}

// ---- CIFAR

// Writes CIFAR-10's six files; batch b holds b records labelled b (so 15 in all), the test
// batch two records labelled 8 and 9.
void write_cifar10(const std::filesystem::path& dir) {
  for (std::uint8_t batch = 1; batch <= 5; ++batch) {
    Bytes records;
    for (int r = 0; r < batch; ++r) records = test::concat(records, test::cifar10_record(batch));
    test::write_file(dir / ("data_batch_" + std::to_string(batch) + ".bin"), records);
  }
  test::write_file(dir / "test_batch.bin",
                   test::concat(test::cifar10_record(8), test::cifar10_record(9)));
}

TEST_CASE("cifar10 loads the five training batches in order and the test batch") {
  const TempDir dir;
  write_cifar10(dir / "cifar-10-batches-bin");
  const DatasetPair cifar = load_dataset("cifar10", dir.path());
  CHECK(cifar.train.name == "cifar10/train");
  CHECK(cifar.test.name == "cifar10/test");
  CHECK(cifar.train.classes == 10);
  CHECK(cifar.train.shape.channels == 3);
  CHECK(cifar.train.shape.height == 32);
  CHECK(cifar.train.shape.width == 32);
  CHECK(cifar.train.labels ==
        std::vector<std::int32_t>{1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5});
  CHECK(cifar.train.images.size() == 15 * 3072);
  CHECK(cifar.train.image(14)[1] == doctest::Approx(10 / 255.0f));
  CHECK(cifar.test.labels == std::vector<std::int32_t>{8, 9});
}

TEST_CASE("a missing cifar10 batch names it and says how to get the data") {
  const TempDir dir;
  const auto cifar = dir / "cifar-10-batches-bin";
  write_cifar10(cifar);
  std::filesystem::remove(cifar / "data_batch_3.bin");
  check_data_error([&] { load_dataset("cifar10", dir.path()); }, cifar / "data_batch_3.bin",
                   {"not found", "scripts/fetch-data.sh cifar10"});
}

TEST_CASE("a cifar10 label of 10 or more names the batch file and the sample in it") {
  const TempDir dir;
  const auto cifar = dir / "cifar-10-batches-bin";
  write_cifar10(cifar);
  test::write_file(cifar / "data_batch_2.bin",
                   test::concat(test::cifar10_record(2), test::cifar10_record(10)));
  check_data_error([&] { load_dataset("cifar10", dir.path()); }, cifar / "data_batch_2.bin",
                   {"sample 1 has label 10", "10 classes"});
}

TEST_CASE("cifar100 gives fine labels by default and coarse ones on request") {
  const TempDir dir;
  const auto cifar = dir / "cifar-100-binary";
  test::write_file(cifar / "train.bin",
                   test::concat(test::cifar100_record(4, 30), test::cifar100_record(19, 99)));
  test::write_file(cifar / "test.bin", test::cifar100_record(0, 1));

  const DatasetPair fine = load_dataset("cifar100", dir.path());
  CHECK(fine.train.name == "cifar100/train");
  CHECK(fine.train.classes == 100);
  CHECK(fine.train.labels == std::vector<std::int32_t>{30, 99});
  CHECK(fine.test.labels == std::vector<std::int32_t>{1});

  const DatasetPair coarse =
      load_dataset("cifar100", dir.path(), {.cifar100_labels = Cifar100Labels::coarse});
  CHECK(coarse.train.classes == 20);
  CHECK(coarse.test.classes == 20);
  CHECK(coarse.train.labels == std::vector<std::int32_t>{4, 19});
}

TEST_CASE("a cifar100 label outside its classes is a DataError") {
  const TempDir dir;
  const auto cifar = dir / "cifar-100-binary";
  test::write_file(cifar / "train.bin", test::cifar100_record(20, 100));
  test::write_file(cifar / "test.bin", test::cifar100_record(0, 1));
  check_data_error([&] { load_dataset("cifar100", dir.path()); }, cifar / "train.bin",
                   {"sample 0 has label 100", "100 classes"});
  check_data_error(
      [&] { load_dataset("cifar100", dir.path(), {.cifar100_labels = Cifar100Labels::coarse}); },
      cifar / "train.bin", {"sample 0 has label 20", "20 classes"});
}

// ---- names

TEST_CASE("data set names") {
  for (const char* known : {"mnist", "cifar10", "cifar100", "idx:some/dir"}) {
    CAPTURE(known);
    CHECK(is_known_dataset(known));
  }
  for (const char* unknown : {"", "MNIST", "cifar", "idx:", "fashion"}) {
    CAPTURE(unknown);
    CHECK_FALSE(is_known_dataset(unknown));
  }
  CHECK_THROWS_WITH_AS(load_dataset("fashion", "data"),
                       doctest::Contains("unknown data set 'fashion'"), DataError);
}

// ---- the real thing, where it is available

TEST_CASE("real MNIST, when PEPITA_DATA_DIR holds it") {
  const char* data_dir = std::getenv("PEPITA_DATA_DIR");
  if (!data_dir || !*data_dir ||
      !std::filesystem::is_directory(std::filesystem::path(data_dir) / "mnist")) {
    MESSAGE("skipped: set PEPITA_DATA_DIR to a directory holding mnist/ to run it");
    return;
  }
  const DatasetPair mnist = load_dataset("mnist", data_dir);
  CHECK(mnist.train.size() == 60000);
  CHECK(mnist.test.size() == 10000);
  CHECK(mnist.train.shape.channels == 1);
  CHECK(mnist.train.shape.height == 28);
  CHECK(mnist.train.shape.width == 28);
  CHECK(mnist.train.classes == 10);
  const double mean = std::accumulate(mnist.train.images.begin(), mnist.train.images.end(), 0.0) /
                      double(mnist.train.images.size());
  CAPTURE(mean);
  CHECK(std::abs(mean - 0.1307) < 5e-5);
}

}  // namespace
}  // namespace pepita
