#pragma once
// A checkpoint of a run across MPI ranks, as files. Every rank saves the arrays of the layers it
// runs in a part file of its own; rank 0 then writes the manifest, which holds the rest of the
// run's state and seals each part by its size and checksum. The manifest is written last and
// atomically, and the parts it names are never overwritten, so a crash at any moment leaves
// either the old manifest with its old parts or the new one with its new parts.
//
//   DIR/checkpoint.pepita    the manifest: a Checkpoint (train/checkpoint_codec.hpp) with the
//                            run's configuration, fingerprint, position, metrics and counters
//                            (and no arrays: a manifest written before F moved to its node's
//                            part held F, and still reads), and these counters besides:
//                              parts.generation    G, one more at every save of the run
//                              parts.count         the ranks, N
//                              part.<array>        the rank whose part holds <array>, one per
//                                                  array, in the run's array order
//                              part.<r>.bytes      rank r's part file's size
//                              part.<r>.crc32      and its checksum (the file's last 4 bytes)
//   DIR/rank-<r>.<G>.pepita  rank r's part: a Checkpoint with the arrays of rank r's layers (and
//                            F and its factors on the rank of PEPITA's projection node), the
//                            manifest's fingerprint followed by " part=<r>", the same position,
//                            and no configuration, metrics or counters.
//
// In one process, DIR/checkpoint.pepita is the whole checkpoint and there are no parts.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "train/checkpoint.hpp"

namespace pepita {

// What the manifest records of a part's file: its size and checksum.
struct PartSeal {
  std::uint64_t bytes = 0;
  std::uint32_t crc32 = 0;
  bool operator==(const PartSeal&) const = default;
};

// The seal of an encoded checkpoint (encode_checkpoint's output).
PartSeal seal_of(std::string_view encoded);

bool is_manifest(const Checkpoint& checkpoint);
std::uint64_t manifest_generation(const Checkpoint& manifest);
std::filesystem::path part_file(const std::filesystem::path& dir, int rank, std::uint64_t generation);

// `owners[i]` is the rank whose part holds `state.arrays[i]`, or nullopt for an array the
// manifest holds.
using ArrayOwners = std::span<const std::optional<int>>;

// Rank `rank`'s part of the run's state `state`.
Checkpoint part_of(const Checkpoint& state, ArrayOwners owners, int rank);

// The manifest of `state` saved as generation `generation` over `seals.size()` ranks, whose parts
// were sealed as `seals` (by rank).
Checkpoint manifest_of(Checkpoint state, ArrayOwners owners, std::uint64_t generation, std::span<const PartSeal> seals);

// A part's file as read, before it is checked against its manifest.
struct PartBytes {
  int rank = 0;
  std::filesystem::path file;
  std::string bytes;
};

// Reads rank `rank`'s part of the manifest in `dir`. Throws CheckpointError naming the file.
PartBytes read_part(const std::filesystem::path& dir, const Checkpoint& manifest, int rank);

// The run's state from `manifest` (read from `manifest_file`) and `parts`: the manifest's own
// arrays and the parts' arrays in the run's order, without the manifest's part counters. Parts
// not given leave their arrays out, since a rank restores only its own layers. Throws
// CheckpointError naming the part's file when a part is not the one the manifest sealed, or does
// not hold the arrays the manifest says it holds.
Checkpoint join_parts(const Checkpoint& manifest, const std::filesystem::path& manifest_file, std::span<const PartBytes> parts);

// How many ranks' parts a manifest read from `file` names. Throws CheckpointError.
int manifest_ranks(const Checkpoint& manifest, const std::filesystem::path& file);

// The whole state of a run from `loaded`, as read from `file`: a checkpoint of one process as it
// is; a manifest joined with every part from its directory. Throws CheckpointError.
Checkpoint whole_checkpoint(Checkpoint loaded, const std::filesystem::path& file);

}  // namespace pepita
