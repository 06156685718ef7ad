#include "train/checkpoint_parts.hpp"

#include <algorithm>
#include <limits>

#include "data/hex_text.hpp"
#include "data/whole_file.hpp"
#include "train/checkpoint_codec.hpp"

namespace pepita {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view generation_counter = "parts.generation";
constexpr std::string_view count_counter = "parts.count";
// "part.W1" names an array's rank; "part.1.bytes" and "part.1.crc32" a part's seal.
constexpr std::string_view part_prefix = "part.";

std::string bytes_counter(int rank) { return "part." + std::to_string(rank) + ".bytes"; }
std::string crc_counter(int rank) { return "part." + std::to_string(rank) + ".crc32"; }
std::string owner_counter(const std::string& array) { return std::string(part_prefix) + array; }

CheckpointError parts_error(const fs::path& file, const std::string& problem) {
  return CheckpointError(file.string() + ": " + problem);
}

std::optional<std::uint64_t> counter_value(const Checkpoint& checkpoint, std::string_view name) {
  for (const auto& [counter, value] : checkpoint.counters)
    if (counter == name) return value;
  return std::nullopt;
}

std::uint64_t required_counter(const Checkpoint& manifest, const fs::path& file, const std::string& name) {
  const std::optional<std::uint64_t> value = counter_value(manifest, name);
  if (!value) throw parts_error(file, "checkpoint manifest has no counter " + name);
  return *value;
}

std::string describe(const PartSeal& seal) { return std::to_string(seal.bytes) + " bytes, checksum " + hex(seal.crc32); }

std::string part_fingerprint(const Checkpoint& manifest, int rank) {
  return manifest.fingerprint + " part=" + std::to_string(rank);
}

void require_owners_fit(const Checkpoint& state, ArrayOwners owners) {
  if (owners.size() != state.arrays.size())
    throw std::invalid_argument("checkpoint parts: " + std::to_string(owners.size()) + " owners for " +
                                std::to_string(state.arrays.size()) + " arrays");
}

}  // namespace

int manifest_ranks(const Checkpoint& manifest, const fs::path& file) {
  const std::uint64_t ranks = required_counter(manifest, file, std::string(count_counter));
  // Each part has two seal counters, so a count the counters cannot back is damage, and is refused
  // before anything is sized by it.
  if (ranks < 1 || ranks > manifest.counters.size() / 2 || ranks > std::uint64_t(std::numeric_limits<int>::max()))
    throw parts_error(file, "checkpoint manifest names " + std::to_string(ranks) + " parts");
  return int(ranks);
}

PartSeal seal_of(std::string_view encoded) {
  if (encoded.size() < checkpoint_envelope_size) throw std::invalid_argument("seal_of: not an encoded checkpoint");
  std::uint32_t crc = 0;
  for (std::size_t i = 0; i < 4; ++i) crc |= std::uint32_t(std::uint8_t(encoded[encoded.size() - 4 + i])) << (8 * i);
  return {encoded.size(), crc};
}

bool is_manifest(const Checkpoint& checkpoint) { return counter_value(checkpoint, generation_counter).has_value(); }

std::uint64_t manifest_generation(const Checkpoint& manifest) { return counter_value(manifest, generation_counter).value_or(0); }

fs::path part_file(const fs::path& dir, int rank, std::uint64_t generation) {
  return dir / ("rank-" + std::to_string(rank) + "." + std::to_string(generation) + ".pepita");
}

Checkpoint part_of(const Checkpoint& state, ArrayOwners owners, int rank) {
  require_owners_fit(state, owners);
  Checkpoint part{.config_text = {},
                  .fingerprint = part_fingerprint(state, rank),
                  .epoch = state.epoch,
                  .batch = state.batch,
                  .batches_total = state.batches_total,
                  .metrics_csv = {},
                  .arrays = {},
                  .counters = {}};
  for (std::size_t i = 0; i < owners.size(); ++i)
    if (owners[i] == rank) part.arrays.push_back(state.arrays[i]);
  return part;
}

Checkpoint manifest_of(Checkpoint state, ArrayOwners owners, std::uint64_t generation, std::span<const PartSeal> seals) {
  require_owners_fit(state, owners);
  auto& counters = state.counters;
  counters.emplace_back(generation_counter, generation);
  counters.emplace_back(count_counter, seals.size());
  std::vector<std::pair<std::string, std::vector<float>>> own_arrays;
  for (std::size_t i = 0; i < owners.size(); ++i) {
    if (owners[i]) {
      counters.emplace_back(owner_counter(state.arrays[i].first), std::uint64_t(*owners[i]));
    } else {
      own_arrays.push_back(std::move(state.arrays[i]));
    }
  }
  state.arrays = std::move(own_arrays);
  for (std::size_t rank = 0; rank < seals.size(); ++rank) {
    counters.emplace_back(bytes_counter(int(rank)), seals[rank].bytes);
    counters.emplace_back(crc_counter(int(rank)), seals[rank].crc32);
  }
  return state;
}

PartBytes read_part(const fs::path& dir, const Checkpoint& manifest, int rank) {
  const fs::path file = part_file(dir, rank, manifest_generation(manifest));
  return {rank, file, read_whole_file<CheckpointError, std::string>(file, "checkpoint part")};
}

Checkpoint join_parts(const Checkpoint& manifest, const fs::path& manifest_file, std::span<const PartBytes> parts) {
  const int ranks = manifest_ranks(manifest, manifest_file);
  // By rank: the part's content, and the file it was read from, for the errors below.
  std::vector<std::optional<Checkpoint>> decoded(std::size_t(ranks), std::nullopt);
  std::vector<fs::path> files(static_cast<std::size_t>(ranks));
  for (const PartBytes& part : parts) {
    if (part.rank < 0 || part.rank >= ranks)
      throw parts_error(part.file, "rank " + std::to_string(part.rank) + " has no part in a checkpoint of " +
                                       std::to_string(ranks) + " ranks");
    Checkpoint content = decode_checkpoint(part.bytes, part.file);
    const PartSeal sealed{required_counter(manifest, manifest_file, bytes_counter(part.rank)),
                          std::uint32_t(required_counter(manifest, manifest_file, crc_counter(part.rank)))};
    if (const PartSeal found = seal_of(part.bytes); found != sealed)
      throw parts_error(part.file, "not the part that " + manifest_file.filename().string() + " sealed (" +
                                       describe(found) + ", expected " + describe(sealed) + ")");
    if (content.fingerprint != part_fingerprint(manifest, part.rank))
      throw parts_error(part.file, "belongs to another run (fingerprint \"" + content.fingerprint + "\")");
    if (content.epoch != manifest.epoch || content.batch != manifest.batch || content.batches_total != manifest.batches_total)
      throw parts_error(part.file, "saved at another position than its manifest");
    decoded[std::size_t(part.rank)] = std::move(content);
    files[std::size_t(part.rank)] = part.file;
  }

  Checkpoint state = manifest;
  state.counters.clear();
  state.arrays.clear();
  std::vector<std::size_t> taken(std::size_t(ranks), 0);
  for (const auto& [name, value] : manifest.counters) {
    if (name == generation_counter || name == count_counter) continue;
    if (!name.starts_with(part_prefix)) {
      state.counters.emplace_back(name, value);
      continue;
    }
    const std::string array = name.substr(part_prefix.size());
    if (array.ends_with(".bytes") || array.ends_with(".crc32")) continue;  // a seal, checked above
    if (value >= std::uint64_t(ranks))
      throw parts_error(manifest_file, "checkpoint manifest puts array " + array + " on rank " + std::to_string(value) +
                                           " of " + std::to_string(ranks));
    const std::optional<Checkpoint>& part = decoded[std::size_t(value)];
    if (!part) continue;  // another rank's layer
    // A part holds its arrays in the run's order, as the manifest lists them.
    std::size_t& next = taken[std::size_t(value)];
    if (next >= part->arrays.size() || part->arrays[next].first != array)
      throw parts_error(files[std::size_t(value)], "checkpoint part does not hold array " + array +
                                                       " where its manifest expects it");
    state.arrays.push_back(part->arrays[next++]);
  }
  for (const PartBytes& part : parts)
    if (taken[std::size_t(part.rank)] != decoded[std::size_t(part.rank)]->arrays.size())
      throw parts_error(part.file, "checkpoint part holds arrays its manifest does not name");
  // A manifest's own arrays (F, in one written before F moved to its node's part) come after every
  // layer's, as in the run's order.
  state.arrays.insert(state.arrays.end(), manifest.arrays.begin(), manifest.arrays.end());
  return state;
}

Checkpoint whole_checkpoint(Checkpoint loaded, const fs::path& file) {
  if (!is_manifest(loaded)) return loaded;
  std::vector<PartBytes> parts;
  for (int rank = 0; rank < manifest_ranks(loaded, file); ++rank) parts.push_back(read_part(file.parent_path(), loaded, rank));
  return join_parts(loaded, file, parts);
}

}  // namespace pepita
