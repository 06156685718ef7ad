#pragma once
// The bytes of a checkpoint file, apart from any file handling, so that tests and fuzzers can
// work on them in memory.
//
// Every integer is little-endian. Format version 1:
//   offset 0      8 bytes  magic "PEPITACK"
//   offset 8      u32      format version
//   offset 12     u64      size of the whole file in bytes, checksum included
//   offset 20     …        content, below
//   size − 4      u32      CRC-32 (zlib's crc32) of every byte before it
// Content, in this order: config_text, fingerprint (strings); epoch, batch (i64); batches_total
// (u64); metrics_csv (string); the array count (u64), then per array its name (string), its
// element count (u64) and the elements (f32 each); the counter count (u64), then per counter its
// name (string) and value (u64). A string is a u64 byte count and the bytes; an f32 is the u32 of
// its IEEE-754 bits; an i64 is two's complement.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "train/checkpoint.hpp"

namespace pepita {

inline constexpr std::uint32_t checkpoint_format_version = 1;

// The envelope alone: magic, version, size and checksum around empty content.
inline constexpr std::size_t checkpoint_envelope_size = 24;

std::string encode_checkpoint(const Checkpoint& checkpoint);

// The checkpoint in `bytes`, which came from `source` (the file named in error messages).
// Nothing is allocated on the word of a length field that the remaining bytes cannot back.
// Throws CheckpointError.
Checkpoint decode_checkpoint(std::string_view bytes, const std::filesystem::path& source);

// Rewrites the size field and the checksum of `bytes` to fit its current length and content:
// for tests and fuzzers that change a checkpoint on purpose and want the decoder to look past
// the checksum. Throws std::invalid_argument if `bytes` is shorter than the envelope.
void reseal_checkpoint(std::string& bytes);

}  // namespace pepita
