#include "train/rank_checkpoint.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <system_error>
#include <vector>

#include "graph/rank_agreement.hpp"
#include "graph/wire_format.hpp"
#include "train/checkpoint_codec.hpp"
#include "train/checkpoint_parts.hpp"
#include "train/run_state.hpp"

namespace pepita {

namespace fs = std::filesystem;

namespace {

// Each rank's `note` goes to the root, then the ranks agree on their problems ("" for none): if any
// rank has one, every rank throws CheckpointError, the root's with the first problem by rank.
// Returns the notes by rank on the root, and nothing on the other ranks.
std::vector<std::vector<std::byte>> agree(RemoteLink& link, const std::string& problem, std::vector<std::byte> note = {}) {
  std::vector<std::vector<std::byte>> notes;
  for (int rank = 0; rank < link.ranks(); ++rank) {
    std::vector<std::byte> report = link.to_root(rank, link.rank() == rank ? note : std::vector<std::byte>{});
    if (link.is_root()) notes.push_back(std::move(report));
  }
  if (const std::optional<RankProblem> first = first_problem_across_ranks(link, problem))
    throw CheckpointError(link.is_root() ? first->text : "the checkpoint failed on another rank");
  return notes;
}

std::string error_text(const std::exception& error) { return error.what(); }

// The generation of `file` if it is one of rank `rank`'s parts ("rank-<rank>.<G>.pepita").
std::optional<std::uint64_t> part_generation(const fs::path& file, int rank) {
  const std::string name = file.filename().string();
  const std::string prefix = "rank-" + std::to_string(rank) + ".";
  const std::string suffix = ".pepita";
  if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) || !name.ends_with(suffix)) return std::nullopt;
  std::uint64_t generation = 0;
  const char* first = name.data() + prefix.size();
  const char* last = name.data() + name.size() - suffix.size();
  const auto [end, error] = std::from_chars(first, last, generation);
  if (error != std::errc() || end != last) return std::nullopt;
  return generation;
}

// Rank `rank`'s part files in `dir`, by generation.
std::vector<std::pair<std::uint64_t, fs::path>> parts_in(const fs::path& dir, int rank) {
  std::vector<std::pair<std::uint64_t, fs::path>> parts;
  std::error_code error;
  for (fs::directory_iterator entry(dir, error), end; !error && entry != end; entry.increment(error))
    if (const auto generation = part_generation(entry->path(), rank)) parts.emplace_back(*generation, entry->path());
  return parts;
}

// A generation above every part file of every rank: the root's answer to what each rank found.
std::uint64_t next_generation(const fs::path& dir, RemoteLink& link) {
  std::uint64_t highest = 0;
  for (const auto& [generation, file] : parts_in(dir, link.rank())) highest = std::max(highest, generation);
  ByteWriter note;
  note.put(highest);
  for (const std::vector<std::byte>& found : agree(link, "", note.take()))
    highest = std::max(highest, ByteReader(found).get<std::uint64_t>());
  return link.from_root(highest + 1);
}

}  // namespace

void save_across_ranks(Trainer& trainer, const std::string& config_text, const fs::path& dir) {
  RemoteLink& link = *trainer.graph().config().ranks.link;
  const std::uint64_t generation = next_generation(dir, link);
  auto [state, owners] = capture_rank_state(trainer, config_text);

  std::string problem;
  PartSeal seal;
  const fs::path mine = part_file(dir, link.rank(), generation);
  try {
    const std::string encoded = encode_checkpoint(part_of(state, owners, link.rank()));
    seal = seal_of(encoded);
    save_encoded_checkpoint(mine, encoded);
  } catch (const std::exception& error) {
    problem = error_text(error);
  }
  ByteWriter note;
  note.put(seal);
  const std::vector<std::vector<std::byte>> notes = agree(link, problem, note.take());

  // Every part is on disk: the manifest makes them the checkpoint.
  if (link.is_root()) {
    std::vector<PartSeal> seals;
    for (const std::vector<std::byte>& sealed : notes) seals.push_back(ByteReader(sealed).get<PartSeal>());
    try {
      save_checkpoint(checkpoint_file(dir), manifest_of(std::move(state), owners, generation, seals));
    } catch (const std::exception& error) {
      problem = error_text(error);
    }
  }
  agree(link, problem);

  // The files of earlier saves, and of a save a crash cut short, are no checkpoint's any more.
  for (const auto& [old, file] : parts_in(dir, link.rank())) {
    std::error_code ignored;
    if (old != generation) fs::remove(file, ignored);
  }
}

Checkpoint load_across_ranks(const fs::path& dir, RemoteLink& link) {
  const fs::path file = checkpoint_file(dir);
  Checkpoint state;
  std::string problem;
  try {
    Checkpoint manifest = load_checkpoint(file);
    if (is_manifest(manifest)) {
      const PartBytes part[] = {read_part(dir, manifest, link.rank())};
      state = join_parts(manifest, file, part);
    } else {
      state = std::move(manifest);
    }
  } catch (const CheckpointError& error) {
    problem = error_text(error);
  }
  agree(link, problem);
  return state;
}

void restore_across_ranks(Trainer& trainer, const Checkpoint& checkpoint, const fs::path& file) {
  std::string problem;
  try {
    restore_run_state(trainer, checkpoint, file);
  } catch (const CheckpointError& error) {
    problem = error_text(error);
  }
  agree(*trainer.graph().config().ranks.link, problem);
}

}  // namespace pepita
