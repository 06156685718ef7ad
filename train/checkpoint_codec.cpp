#include "train/checkpoint_codec.hpp"

#include <zlib.h>

#include <bit>
#include <concepts>
#include <cstdio>
#include <stdexcept>
#include <utility>

#include "data/hex_text.hpp"

namespace pepita {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view magic = "PEPITACK";
constexpr std::size_t version_offset = 8;
constexpr std::size_t size_offset = 12;
constexpr std::size_t content_offset = 20;
constexpr std::size_t checksum_size = 4;
static_assert(content_offset + checksum_size == checkpoint_envelope_size);

template <std::unsigned_integral T>
void store_little_endian(std::string& bytes, std::size_t offset, T value) {
  for (std::size_t i = 0; i < sizeof(T); ++i) bytes[offset + i] = char(value >> (8 * i));
}

template <std::unsigned_integral T>
T load_little_endian(std::string_view bytes, std::size_t offset) {
  T value = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    value |= T(std::uint8_t(bytes[offset + i])) << (8 * i);
  }
  return value;
}

template <std::unsigned_integral T>
void append_little_endian(std::string& bytes, T value) {
  bytes.resize(bytes.size() + sizeof(T));
  store_little_endian(bytes, bytes.size() - sizeof(T), value);
}

void append_string(std::string& bytes, std::string_view text) {
  append_little_endian<std::uint64_t>(bytes, text.size());
  bytes.append(text);
}

void append_floats(std::string& bytes, const std::vector<float>& values) {
  append_little_endian<std::uint64_t>(bytes, values.size());
  std::size_t offset = bytes.size();
  bytes.resize(offset + sizeof(float) * values.size());
  for (float value : values) {
    store_little_endian(bytes, offset, std::bit_cast<std::uint32_t>(value));
    offset += sizeof(float);
  }
}

std::uint32_t checksum(std::string_view bytes) {
  return std::uint32_t(crc32_z(0, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
}

// Reads the content fields in order. Each length is checked against the bytes that remain
// before anything is allocated for it.
class ContentReader {
 public:
  ContentReader(std::string_view content, const fs::path& source)
      : content_(content), source_(source) {}

  std::uint64_t u64(const std::string& field) {
    require(sizeof(std::uint64_t), field);
    return load_little_endian<std::uint64_t>(take(sizeof(std::uint64_t)), 0);
  }

  std::int64_t i64(const std::string& field) { return std::int64_t(u64(field)); }

  std::string string(const std::string& field) {
    const std::uint64_t length = u64(field + " length");
    require(length, field);
    return std::string(take(length));
  }

  std::vector<float> floats(const std::string& field) {
    const std::uint64_t count = u64(field + " count");
    if (count > remaining() / sizeof(float)) too_short(field, count, "floats");
    std::vector<float> values(count);
    const std::string_view bytes = take(sizeof(float) * count);
    for (std::size_t i = 0; i < count; ++i) {
      values[i] = std::bit_cast<float>(load_little_endian<std::uint32_t>(bytes, sizeof(float) * i));
    }
    return values;
  }

  // How many `noun`s follow, each of which takes at least `smallest_entry` bytes.
  std::uint64_t count(const std::string& noun, std::size_t smallest_entry) {
    const std::uint64_t entries = u64(noun + " count");
    if (entries > remaining() / smallest_entry) {
      malformed(std::to_string(entries) + " " + noun + "s cannot fit in the " +
                std::to_string(remaining()) + " bytes that remain");
    }
    return entries;
  }

  std::size_t remaining() const { return content_.size() - position_; }

  [[noreturn]] void malformed(const std::string& problem) const {
    throw CheckpointError(source_.string() + ": malformed checkpoint: " + problem);
  }

 private:
  void require(std::uint64_t bytes, const std::string& field) const {
    if (bytes > remaining()) too_short(field, bytes, "bytes");
  }

  [[noreturn]] void too_short(const std::string& field, std::uint64_t amount,
                              const char* unit) const {
    malformed(field + " needs " + std::to_string(amount) + " " + unit + " but only " +
              std::to_string(remaining()) + " bytes remain");
  }

  std::string_view take(std::size_t bytes) {
    const std::string_view taken = content_.substr(position_, bytes);
    position_ += bytes;
    return taken;
  }

  std::string_view content_;
  std::size_t position_ = 0;
  const fs::path& source_;
};

Checkpoint decode_content(std::string_view content, const fs::path& source) {
  // The smallest array is a name length and an element count; the smallest counter a name
  // length and a value.
  constexpr std::size_t smallest_array = 16;
  constexpr std::size_t smallest_counter = 16;

  ContentReader reader(content, source);
  Checkpoint checkpoint;
  checkpoint.config_text = reader.string("config text");
  checkpoint.fingerprint = reader.string("fingerprint");
  checkpoint.epoch = reader.i64("epoch");
  checkpoint.batch = reader.i64("batch");
  checkpoint.batches_total = reader.u64("total batch count");
  checkpoint.metrics_csv = reader.string("metrics");
  const std::uint64_t arrays = reader.count("array", smallest_array);
  checkpoint.arrays.reserve(arrays);
  for (std::uint64_t i = 0; i < arrays; ++i) {
    const std::string field = "array " + std::to_string(i + 1);
    std::string name = reader.string(field + " name");
    checkpoint.arrays.emplace_back(std::move(name), reader.floats(field));
  }
  const std::uint64_t counters = reader.count("counter", smallest_counter);
  checkpoint.counters.reserve(counters);
  for (std::uint64_t i = 0; i < counters; ++i) {
    const std::string field = "counter " + std::to_string(i + 1);
    std::string name = reader.string(field + " name");
    checkpoint.counters.emplace_back(std::move(name), reader.u64(field + " value"));
  }
  if (reader.remaining() != 0) {
    reader.malformed(std::to_string(reader.remaining()) + " unread bytes after the counters");
  }
  return checkpoint;
}

}  // namespace

std::string encode_checkpoint(const Checkpoint& checkpoint) {
  std::string bytes(magic);
  append_little_endian(bytes, checkpoint_format_version);
  append_little_endian<std::uint64_t>(bytes, 0);  // the size, set by reseal_checkpoint
  append_string(bytes, checkpoint.config_text);
  append_string(bytes, checkpoint.fingerprint);
  append_little_endian(bytes, std::uint64_t(checkpoint.epoch));
  append_little_endian(bytes, std::uint64_t(checkpoint.batch));
  append_little_endian(bytes, checkpoint.batches_total);
  append_string(bytes, checkpoint.metrics_csv);
  append_little_endian<std::uint64_t>(bytes, checkpoint.arrays.size());
  for (const auto& [name, values] : checkpoint.arrays) {
    append_string(bytes, name);
    append_floats(bytes, values);
  }
  append_little_endian<std::uint64_t>(bytes, checkpoint.counters.size());
  for (const auto& [name, value] : checkpoint.counters) {
    append_string(bytes, name);
    append_little_endian(bytes, value);
  }
  append_little_endian<std::uint32_t>(bytes, 0);  // the checksum, set by reseal_checkpoint
  reseal_checkpoint(bytes);
  return bytes;
}

void reseal_checkpoint(std::string& bytes) {
  if (bytes.size() < checkpoint_envelope_size) {
    throw std::invalid_argument("reseal_checkpoint: " + std::to_string(bytes.size()) +
                                " bytes cannot hold a checkpoint envelope");
  }
  const std::size_t checksum_offset = bytes.size() - checksum_size;
  store_little_endian<std::uint64_t>(bytes, size_offset, bytes.size());
  store_little_endian(bytes, checksum_offset,
                      checksum(std::string_view(bytes).substr(0, checksum_offset)));
}

Checkpoint decode_checkpoint(std::string_view bytes, const fs::path& source) {
  const auto error = [&](const std::string& problem) {
    return CheckpointError(source.string() + ": " + problem);
  };
  const std::string_view start = bytes.substr(0, magic.size());
  if (start != magic.substr(0, start.size())) {
    throw error("not a pepita checkpoint (starts with " + hex(start) + ", not \"" +
                std::string(magic) + "\")");
  }
  if (bytes.size() < checkpoint_envelope_size) {
    throw error("truncated: " + std::to_string(bytes.size()) +
                " bytes, a checkpoint has at least " + std::to_string(checkpoint_envelope_size));
  }
  const auto version = load_little_endian<std::uint32_t>(bytes, version_offset);
  if (version != checkpoint_format_version) {
    throw error("unsupported checkpoint format version " + std::to_string(version) +
                " (this build reads version " + std::to_string(checkpoint_format_version) + ")");
  }
  const auto declared_size = load_little_endian<std::uint64_t>(bytes, size_offset);
  if (declared_size < checkpoint_envelope_size) {
    throw error("damaged: the header declares " + std::to_string(declared_size) +
                " bytes, less than any checkpoint");
  }
  if (bytes.size() < declared_size) {
    throw error("truncated: " + std::to_string(bytes.size()) + " of the " +
                std::to_string(declared_size) + " bytes its header declares");
  }
  // Checked before the trailing bytes, so that a damaged size field reads as damage.
  const std::string_view sealed = bytes.substr(0, declared_size);
  const std::string_view covered = sealed.substr(0, sealed.size() - checksum_size);
  const auto stored = load_little_endian<std::uint32_t>(sealed, covered.size());
  const std::uint32_t computed = checksum(covered);
  if (stored != computed) {
    throw error("damaged: checksum mismatch (stored " + hex(stored) + ", computed " +
                hex(computed) + ")");
  }
  if (bytes.size() > declared_size) {
    throw error("trailing garbage: " + std::to_string(bytes.size() - declared_size) +
                " bytes after the " + std::to_string(declared_size) + "-byte checkpoint");
  }
  return decode_content(covered.substr(content_offset), source);
}

}  // namespace pepita
