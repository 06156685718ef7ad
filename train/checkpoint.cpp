#include "train/checkpoint.hpp"

#include <algorithm>
#include <fstream>
#include <string_view>

#include "data/whole_file.hpp"
#include "train/checkpoint_codec.hpp"
#include "train/reports.hpp"

namespace pepita {

namespace fs = std::filesystem;

namespace {

CheckpointError checkpoint_file_error(const fs::path& file, const std::string& problem) {
  return CheckpointError(file.string() + ": " + problem);
}


// A fingerprint's "key=value" words; a word without '=' is a key with an empty value.
std::vector<std::pair<std::string, std::string>> fingerprint_fields(std::string_view fingerprint) {
  std::vector<std::pair<std::string, std::string>> fields;
  std::size_t start = 0;
  while ((start = fingerprint.find_first_not_of(' ', start)) != std::string_view::npos) {
    const std::size_t end = std::min(fingerprint.find(' ', start), fingerprint.size());
    const std::string_view word = fingerprint.substr(start, end - start);
    const std::size_t equals = std::min(word.find('='), word.size());
    fields.emplace_back(word.substr(0, equals), word.substr(std::min(equals + 1, word.size())));
    start = end;
  }
  return fields;
}

const std::string* find_value(const std::vector<std::pair<std::string, std::string>>& fields,
                              const std::string& key) {
  for (const auto& [field_key, value] : fields) {
    if (field_key == key) return &value;
  }
  return nullptr;
}

// "shape expected 784-1024-10, found 784-500-10; seed missing", or "" when the fields agree and
// only their order or spacing differs.
std::string field_differences(const std::string& expected, const std::string& found) {
  const auto expected_fields = fingerprint_fields(expected);
  const auto found_fields = fingerprint_fields(found);
  std::string text;
  const auto add = [&text](const std::string& difference) {
    text += (text.empty() ? "" : "; ") + difference;
  };
  for (const auto& [key, value] : expected_fields) {
    const std::string* found_value = find_value(found_fields, key);
    if (!found_value) {
      add(key + " missing");
    } else if (*found_value != value) {
      add(key + " expected " + value + ", found " + *found_value);
    }
  }
  for (const auto& [key, value] : found_fields) {
    if (!find_value(expected_fields, key)) {
      add("unexpected " + key + (value.empty() ? "" : "=" + value));
    }
  }
  return text;
}

}  // namespace

fs::path checkpoint_file(const fs::path& dir) { return dir / "checkpoint.pepita"; }

void save_checkpoint(const fs::path& file, const Checkpoint& checkpoint) {
  save_encoded_checkpoint(file, encode_checkpoint(checkpoint));
}

void save_encoded_checkpoint(const fs::path& file, const std::string& encoded) {
  try {
    write_file_atomically(file, encoded);
  } catch (const std::runtime_error& error) {
    throw checkpoint_file_error(file, std::string("cannot save checkpoint (") + error.what() + ")");
  }
}

Checkpoint load_checkpoint(const fs::path& file) {
  return decode_checkpoint(read_whole_file<CheckpointError, std::string>(file, "checkpoint"), file);
}

void require_compatible(const Checkpoint& checkpoint, const std::string& expected_fingerprint,
                        const fs::path& file) {
  if (checkpoint.fingerprint == expected_fingerprint) return;
  const std::string differences = field_differences(expected_fingerprint, checkpoint.fingerprint);
  throw checkpoint_file_error(file, "checkpoint does not match this run" +
                              (differences.empty() ? "" : ": " + differences) +
                              " (expected fingerprint \"" + expected_fingerprint + "\", found \"" +
                              checkpoint.fingerprint + "\")");
}

}  // namespace pepita
