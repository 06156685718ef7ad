// Checkpoint files: exact round trips, the byte layout, a one-line error for every kind of damage,
// fingerprint checks, and saves that either replace the file whole or leave it alone.
#include "train/checkpoint.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <zlib.h>

#include <bit>
#include <cmath>
#include <fstream>
#include <limits>

#include "tests/data/data_files.hpp"
#include "train/checkpoint_codec.hpp"

namespace pepita {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

Checkpoint sample_checkpoint() {
  return {.config_text = "rule = pepita\nepochs = 100\n",
          .fingerprint = "rule=pepita model=fc dataset=mnist shape=784-1024-10",
          .epoch = 7,
          .batch = 123,
          .batches_total = 6789,
          .metrics_csv = "epoch,lr\n1,0.1\n",
          .arrays = {{"W1", {0.5f, -0.0f, 1e-40f, -3.25f, std::numeric_limits<float>::max()}},
                     {"F", {}},
                     {"B2", {std::numeric_limits<float>::infinity(), 42.0f}}},
          .counters = {{"shuffle_rng", 0xfedcba9876543210ull}, {"dropout_rng", 0}}};
}

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

fs::path write_bytes(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  REQUIRE(out.good());
  return file;
}

std::vector<std::uint32_t> bit_patterns(const std::vector<float>& values) {
  std::vector<std::uint32_t> bits;
  for (float value : values) bits.push_back(std::bit_cast<std::uint32_t>(value));
  return bits;
}

std::uint64_t little_endian_at(const std::string& bytes, std::size_t offset, std::size_t width) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    value |= std::uint64_t(std::uint8_t(bytes[offset + i])) << (8 * i);
  }
  return value;
}

void set_little_endian(std::string& bytes, std::size_t offset, std::size_t width,
                       std::uint64_t value) {
  for (std::size_t i = 0; i < width; ++i) bytes[offset + i] = char(value >> (8 * i));
}

// The message of the CheckpointError that `action` throws, checked to be one line starting with `file`.
template <class Action>
std::string checkpoint_error(Action&& action, const fs::path& file) {
  return testing::one_line_error<CheckpointError>(action, file);
}

// Checks that loading `bytes` from a file fails with a message containing each of `parts`.
void check_load_fails(const std::string& bytes, std::initializer_list<std::string_view> parts) {
  const TempDir dir;
  const fs::path file = write_bytes(dir / "run.ckpt", bytes);
  const std::string message = checkpoint_error([&] { load_checkpoint(file); }, file);
  for (std::string_view part : parts) {
    CHECK_MESSAGE(message.find(part) != std::string::npos, "missing '", part, "' in: ", message);
  }
}

// Lowers this process's file size limit, and ignores the signal that exceeding it raises, so that
// write() fails with EFBIG part way through a file; restores both when destroyed.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    REQUIRE(getrlimit(RLIMIT_FSIZE, &saved_limit_) == 0);
    saved_handler_ = signal(SIGXFSZ, SIG_IGN);
    rlimit lowered = saved_limit_;
    lowered.rlim_cur = bytes;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &lowered) == 0);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_limit_);
    signal(SIGXFSZ, saved_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_limit_{};
  void (*saved_handler_)(int) = nullptr;
};

TEST_CASE("a checkpoint round-trips bit for bit, -0.0, subnormals and NaN payloads included") {
  const TempDir dir;
  Checkpoint saved = sample_checkpoint();
  saved.arrays.emplace_back("N", std::vector<float>{std::bit_cast<float>(0x7fc12345u),
                                                    std::bit_cast<float>(0xff800001u)});
  save_checkpoint(dir / "run.ckpt", saved);
  const Checkpoint loaded = load_checkpoint(dir / "run.ckpt");

  CHECK(loaded.config_text == saved.config_text);
  CHECK(loaded.fingerprint == saved.fingerprint);
  CHECK(loaded.epoch == saved.epoch);
  CHECK(loaded.batch == saved.batch);
  CHECK(loaded.batches_total == saved.batches_total);
  CHECK(loaded.metrics_csv == saved.metrics_csv);
  CHECK(loaded.counters == saved.counters);
  REQUIRE(loaded.arrays.size() == saved.arrays.size());
  for (std::size_t i = 0; i < saved.arrays.size(); ++i) {
    CHECK(loaded.arrays[i].first == saved.arrays[i].first);
    CHECK(bit_patterns(loaded.arrays[i].second) == bit_patterns(saved.arrays[i].second));
  }
  CHECK(std::signbit(loaded.arrays[0].second[1]));
}

TEST_CASE("an empty checkpoint and negative counts round-trip too") {
  const TempDir dir;
  Checkpoint saved;
  saved.epoch = -1;
  saved.batch = std::numeric_limits<std::int64_t>::min();
  save_checkpoint(dir / "empty.ckpt", saved);
  CHECK(load_checkpoint(dir / "empty.ckpt") == saved);
}

TEST_CASE("the byte layout: magic, version, size, little-endian fields, CRC-32 at the end") {
  Checkpoint checkpoint;
  checkpoint.fingerprint = "fp";
  checkpoint.epoch = 3;
  checkpoint.counters = {{"c", 0x0102030405060708ull}};
  const std::string bytes = encode_checkpoint(checkpoint);

  // 20-byte header, 8 length-or-value fields of the content, "fp", counter "c" and its value.
  REQUIRE(bytes.size() == 20 + 8 * 8 + 2 + (8 + 1 + 8) + 4);
  CHECK(bytes.substr(0, 8) == "PEPITACK");
  CHECK(little_endian_at(bytes, 8, 4) == 1);
  CHECK(little_endian_at(bytes, 12, 8) == bytes.size());
  CHECK(little_endian_at(bytes, 20, 8) == 0);                  // config text length
  CHECK(little_endian_at(bytes, 28, 8) == 2);                  // fingerprint length
  CHECK(bytes.substr(36, 2) == "fp");
  CHECK(little_endian_at(bytes, 38, 8) == 3);                  // epoch
  CHECK(little_endian_at(bytes, 78, 8) == 1);                  // counter count
  CHECK(little_endian_at(bytes, 95, 8) == 0x0102030405060708);  // counter value
  const std::size_t covered = bytes.size() - 4;
  CHECK(little_endian_at(bytes, covered, 4) ==
        crc32_z(0, reinterpret_cast<const Bytef*>(bytes.data()), covered));
}

TEST_CASE("loading a missing file says so") {
  const TempDir dir;
  const fs::path file = dir / "none.ckpt";
  const std::string message = checkpoint_error([&] { load_checkpoint(file); }, file);
  CHECK(message.find("not found") != std::string::npos);
}

TEST_CASE("one flipped byte in the middle is reported as damage") {
  std::string bytes = encode_checkpoint(sample_checkpoint());
  bytes[bytes.size() / 2] ^= 0x10;
  check_load_fails(bytes, {"damaged: checksum mismatch"});
}

TEST_CASE("a truncated file is reported as truncated, wherever it was cut") {
  const std::string bytes = encode_checkpoint(sample_checkpoint());
  for (std::size_t length : {std::size_t(0), std::size_t(5), std::size_t(23)}) {
    CAPTURE(length);
    check_load_fails(bytes.substr(0, length), {"truncated: " + std::to_string(length) + " bytes"});
  }
  for (std::size_t length : {std::size_t(24), bytes.size() / 2, bytes.size() - 1}) {
    CAPTURE(length);
    check_load_fails(bytes.substr(0, length),
                     {"truncated: " + std::to_string(length) + " of the " +
                      std::to_string(bytes.size()) + " bytes"});
  }
}

TEST_CASE("a file that is not a checkpoint is named as such") {
  std::string bytes = encode_checkpoint(sample_checkpoint());
  bytes[0] = 'X';
  check_load_fails(bytes, {"not a pepita checkpoint", "0x58455049", "\"PEPITACK\""});
  check_load_fails("\x89PNG", {"not a pepita checkpoint (starts with 0x89504e47"});
}

TEST_CASE("an unsupported version gives the version found and the one supported") {
  std::string bytes = encode_checkpoint(sample_checkpoint());
  // The checksum no longer matches either; the version is what to report.
  set_little_endian(bytes, 8, 4, 99);
  check_load_fails(bytes,
                   {"unsupported checkpoint format version 99 (this build reads version 1)"});
}

TEST_CASE("bytes appended after a checkpoint are trailing garbage") {
  const std::string bytes = encode_checkpoint(sample_checkpoint());
  check_load_fails(bytes + "abc", {"trailing garbage: 3 bytes after the " +
                                   std::to_string(bytes.size()) + "-byte checkpoint"});
}

TEST_CASE("a damaged size field is damage, not truncation or garbage") {
  std::string bytes = encode_checkpoint(sample_checkpoint());
  set_little_endian(bytes, 12, 8, bytes.size() - 1);
  check_load_fails(bytes, {"damaged: checksum mismatch"});
  set_little_endian(bytes, 12, 8, 5);
  check_load_fails(bytes, {"damaged: the header declares 5 bytes"});
}

TEST_CASE("lengths that the file cannot back are rejected before anything is allocated") {
  std::string bytes = encode_checkpoint(Checkpoint{});
  SUBCASE("a string of 2^62 bytes") {
    set_little_endian(bytes, 20, 8, 1ull << 62);  // the config text length
    reseal_checkpoint(bytes);
    check_load_fails(bytes, {"malformed checkpoint: config text needs 4611686018427387904 bytes"});
  }
  SUBCASE("2^56 arrays") {
    set_little_endian(bytes, 20 + 6 * 8, 8, 1ull << 56);  // the array count
    reseal_checkpoint(bytes);
    check_load_fails(bytes,
                     {"malformed checkpoint: 72057594037927936 arrays cannot fit in the 8 bytes"});
  }
  SUBCASE("an array of 2^61 floats") {
    Checkpoint checkpoint;
    checkpoint.arrays = {{"W", {}}};
    bytes = encode_checkpoint(checkpoint);
    set_little_endian(bytes, 20 + 7 * 8 + 9, 8, 1ull << 61);  // the element count, after "W"
    reseal_checkpoint(bytes);
    check_load_fails(bytes, {"malformed checkpoint: array 1 needs 2305843009213693952 floats"});
  }
  SUBCASE("bytes left over after the last field") {
    bytes.insert(bytes.size() - 4, "xy");
    reseal_checkpoint(bytes);
    check_load_fails(bytes, {"malformed checkpoint: 2 unread bytes after the counters"});
  }
}

TEST_CASE("require_compatible accepts the same fingerprint and names what differs otherwise") {
  const Checkpoint checkpoint = sample_checkpoint();
  const fs::path file = "runs/run.ckpt";
  CHECK_NOTHROW(require_compatible(checkpoint, checkpoint.fingerprint, file));

  const std::string expected = "rule=pepita model=fc dataset=cifar10 shape=3072-1024-10 seed=1";
  const std::string message =
      checkpoint_error([&] { require_compatible(checkpoint, expected, file); }, file);
  CHECK(message == "runs/run.ckpt: checkpoint does not match this run: dataset expected cifar10, "
                   "found mnist; shape expected 3072-1024-10, found 784-1024-10; seed missing "
                   "(expected fingerprint \"" + expected + "\", found \"" +
                   checkpoint.fingerprint + "\")");

  const std::string extra = checkpoint_error(
      [&] { require_compatible(checkpoint, "rule=pepita model=fc dataset=mnist", file); }, file);
  CHECK(extra.find(": unexpected shape=784-1024-10 (") != std::string::npos);
}

TEST_CASE("saving replaces an existing checkpoint and leaves no temporary file") {
  const TempDir dir;
  save_checkpoint(dir / "run.ckpt", Checkpoint{});
  save_checkpoint(dir / "run.ckpt", sample_checkpoint());
  CHECK(load_checkpoint(dir / "run.ckpt") == sample_checkpoint());
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("a failed save leaves the existing checkpoint untouched and no temporary file") {
  const TempDir dir;
  const fs::path file = dir / "run.ckpt";
  save_checkpoint(file, sample_checkpoint());
  const std::string before = read_bytes(file);

  SUBCASE("into a directory that does not exist") {
    const fs::path missing = dir / "missing" / "run.ckpt";
    const std::string message =
        checkpoint_error([&] { save_checkpoint(missing, Checkpoint{}); }, missing);
    CHECK(message.find("cannot save checkpoint") != std::string::npos);
    CHECK(message.find("No such file or directory") != std::string::npos);
    CHECK(!fs::exists(dir / "missing"));
  }
  SUBCASE("a write that fails half way") {
    Checkpoint big = sample_checkpoint();
    big.arrays.emplace_back("W2", std::vector<float>(100'000, 1.0f));
    std::string message;
    {
      const FileSizeLimit limit(4096);
      message = checkpoint_error([&] { save_checkpoint(file, big); }, file);
    }
    CHECK(message.find("cannot write") != std::string::npos);
  }
  CHECK(read_bytes(file) == before);
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

}  // namespace
}  // namespace pepita
