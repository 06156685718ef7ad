#pragma once
// A saved training run, to resume it: a versioned, checksummed file (format in
// train/checkpoint_codec.hpp) that is replaced atomically, so a crash leaves the old one whole.
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace pepita {

// Any problem with a checkpoint file: a one-line message that starts with the file.
struct CheckpointError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The file that a run's checkpoint directory DIR means (--checkpoint-dir DIR, --resume DIR).
std::filesystem::path checkpoint_file(const std::filesystem::path& dir);

struct Checkpoint {
  std::string config_text;  // the full run configuration as "key = value" lines
  std::string fingerprint;  // what must match to resume, e.g. "rule=pepita model=fc dataset=mnist"
  std::int64_t epoch = 0;   // epochs completed
  std::int64_t batch = 0;   // batches completed within the current epoch
  std::uint64_t batches_total = 0;
  std::string metrics_csv;  // metrics so far
  std::vector<std::pair<std::string, std::vector<float>>> arrays;  // named tensors: "W1", "F", …
  std::vector<std::pair<std::string, std::uint64_t>> counters;     // named RNG/progress states

  bool operator==(const Checkpoint&) const = default;  // floats compare by value: NaN ≠ NaN
};

// Writes `checkpoint` to a temporary file beside `file`, syncs it, renames it over `file` and
// syncs the directory. On failure `file` is untouched and no temporary is left. Throws
// CheckpointError.
void save_checkpoint(const std::filesystem::path& file, const Checkpoint& checkpoint);
// The same for a checkpoint already encoded (encode_checkpoint, train/checkpoint_codec.hpp).
void save_encoded_checkpoint(const std::filesystem::path& file, const std::string& encoded);

// Reads and verifies a checkpoint. Throws CheckpointError: missing, truncated, not a checkpoint,
// unsupported version, damaged (checksum), trailing garbage, malformed content.
Checkpoint load_checkpoint(const std::filesystem::path& file);

// Throws CheckpointError unless `checkpoint` was saved by a run with `expected_fingerprint`;
// the message names the fields that differ. `file` is where the checkpoint came from.
void require_compatible(const Checkpoint& checkpoint, const std::string& expected_fingerprint,
                        const std::filesystem::path& file);

}  // namespace pepita
