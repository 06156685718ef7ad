// Writes the seed corpus: a few tiny valid inputs per fuzz target, from which libFuzzer mutates.
// usage: write_seed_corpus DIR   (the checked-in copy is tests/fuzz/corpus; the fuzz_seeds_current
// test fails when this program and that copy disagree)
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>

#include "train/checkpoint_codec.hpp"
#include "train/checkpoint_parts.hpp"

namespace {

namespace fs = std::filesystem;

void write_raw(const fs::path& file, const std::string& bytes) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

// Gzip members, one per part, back to back (as `cat a.gz b.gz` makes).
void write_gzip(const fs::path& file, std::initializer_list<std::string> members) {
  fs::create_directories(file.parent_path());
  const char* mode = "wb9";
  for (const std::string& member : members) {
    gzFile gz = gzopen(file.c_str(), mode);
    if (!gz) throw std::runtime_error("cannot create " + file.string());
    const bool written = gzwrite(gz, member.data(), unsigned(member.size())) == int(member.size());
    if (gzclose(gz) != Z_OK || !written) throw std::runtime_error("cannot write " + file.string());
    mode = "ab9";
  }
}

std::string big_endian_u32s(std::initializer_list<std::uint32_t> values) {
  std::string bytes;
  for (std::uint32_t value : values) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(char(value >> shift));
  }
  return bytes;
}

// Pixels 0, 1, 2, … so that no two seeds look alike.
std::string counting_bytes(std::size_t count) {
  std::string bytes(count, '\0');
  for (std::size_t i = 0; i < count; ++i) bytes[i] = char(i);
  return bytes;
}

std::string idx_images(std::uint32_t count, std::uint32_t rows, std::uint32_t cols) {
  return big_endian_u32s({0x00000803, count, rows, cols}) + counting_bytes(count * rows * cols);
}

std::string idx_labels(const std::string& labels) {
  return big_endian_u32s({0x00000801, std::uint32_t(labels.size())}) + labels;
}

std::string cifar_record(const std::string& label_bytes) {
  return label_bytes + counting_bytes(3 * 32 * 32);
}

pepita::Checkpoint small_checkpoint() {
  return {.config_text = "rule = pepita\nhidden = 4\n",
          .fingerprint = "rule=pepita model=fc dataset=mnist shape=4-4-2",
          .epoch = 2,
          .batch = 5,
          .batches_total = 25,
          .metrics_csv = "epoch,lr\n1,0.1\n2,0.1\n",
          .arrays = {{"W1", {0.5f, -0.0f, 1e-40f, -3.25f}}, {"F", {}}, {"B2", {1.0f, 2.0f}}},
          .counters = {{"shuffle_rng", 0x0123456789abcdefull}, {"dropout_rng", 7}}};
}

void write_corpus(const fs::path& dir) {
  write_raw(dir / "idx_images/one-2x2", idx_images(1, 2, 2));
  write_raw(dir / "idx_images/three-3x4", idx_images(3, 3, 4));
  write_gzip(dir / "idx_images/two-2x2.gz", {idx_images(2, 2, 2)});

  write_raw(dir / "idx_labels/one", idx_labels("\x07"));
  write_raw(dir / "idx_labels/four", idx_labels(std::string("\x00\x09\x03\xff", 4)));
  write_gzip(dir / "idx_labels/four.gz", {idx_labels("\x01\x02\x03\x04")});

  write_raw(dir / "cifar10/one-record", cifar_record("\x03"));
  write_gzip(dir / "cifar10/two-records.gz", {cifar_record("\x01") + cifar_record("\x09")});

  write_raw(dir / "cifar100/one-record", cifar_record("\x02\x2a"));
  write_gzip(dir / "cifar100/two-records.gz",
             {cifar_record("\x13\x63") + cifar_record(std::string("\x00\x05", 2))});

  write_raw(dir / "gzip/raw", "not compressed");
  write_gzip(dir / "gzip/empty.gz", {""});
  write_gzip(dir / "gzip/hello.gz", {"hello, hello, hello"});
  write_gzip(dir / "gzip/two-members.gz", {"first member ", "second member"});

  write_raw(dir / "checkpoint/empty", pepita::encode_checkpoint({}));
  write_raw(dir / "checkpoint/small", pepita::encode_checkpoint(small_checkpoint()));
  // A manifest of a run over 2 ranks (train/checkpoint_parts.hpp): W1 on rank 0, B2 on rank 1.
  const std::optional<int> owners[] = {0, std::nullopt, 1};
  const pepita::PartSeal seals[] = {{100, 0x12345678}, {200, 0x9abcdef0}};
  write_raw(dir / "checkpoint/manifest", pepita::encode_checkpoint(pepita::manifest_of(small_checkpoint(), owners, 3, seals)));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: write_seed_corpus DIR\n");
    return 2;
  }
  try {
    write_corpus(argv[1]);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "write_seed_corpus: %s\n", error.what());
    return 1;
  }
  return 0;
}
