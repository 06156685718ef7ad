// A checkpoint across ranks as files (train/checkpoint_parts.hpp): a run's state split into a
// manifest and one part per rank joins back exactly, in the run's array order; a rank joins only
// its own layers; and a part that is not the one the manifest sealed is a one-line error naming it.
#include "train/checkpoint_parts.hpp"

#include <doctest/doctest.h>

#include "tests/one_line_error.hpp"
#include "train/checkpoint_codec.hpp"

namespace pepita {
namespace {

namespace fs = std::filesystem;

// A 3-layer run over 2 ranks: layer 1 on rank 0, layers 2 and 3 on rank 1; F in the manifest.
Checkpoint run_state() {
  return {.config_text = "rule = pepita\n",
          .fingerprint = "rule=pepita layers=4-3-2-2 ranks=2 placement=0,1,1",
          .epoch = 2,
          .batch = 5,
          .batches_total = 25,
          .metrics_csv = "epoch,lr\n1,0.1\n2,0.1\n",
          .arrays = {{"W1", {1, 2}}, {"V1", {3}}, {"W2", {4, 5}}, {"V2", {6}}, {"W3", {7}}, {"V3", {8}}, {"F", {9, 10}}},
          .counters = {{"tally.samples", 320}, {"history.1.lr", 7}}};
}
const std::vector<std::optional<int>> owners = {0, 0, 1, 1, 1, 1, std::nullopt};
const fs::path manifest_file = "/runs/a/checkpoint.pepita";

// The parts as encoded bytes, and the manifest that seals them.
struct Saved {
  std::vector<PartBytes> parts;
  Checkpoint manifest;
};
Saved saved(std::uint64_t generation) {
  const Checkpoint state = run_state();
  Saved result;
  std::vector<PartSeal> seals;
  for (int rank = 0; rank < 2; ++rank) {
    std::string bytes = encode_checkpoint(part_of(state, owners, rank));
    seals.push_back(seal_of(bytes));
    result.parts.push_back({rank, part_file(manifest_file.parent_path(), rank, generation), std::move(bytes)});
  }
  result.manifest = manifest_of(state, owners, generation, seals);
  return result;
}

TEST_CASE("a run's state split into a manifest and parts joins back exactly") {
  const Saved files = saved(3);
  CHECK(is_manifest(files.manifest));
  CHECK(!is_manifest(run_state()));
  CHECK(manifest_generation(files.manifest) == 3);
  CHECK(manifest_ranks(files.manifest, manifest_file) == 2);
  // The manifest holds no layer's array; the parts hold every layer's.
  REQUIRE(files.manifest.arrays.size() == 1);
  CHECK(files.manifest.arrays[0].first == "F");
  CHECK(decode_checkpoint(files.parts[1].bytes, files.parts[1].file).arrays.size() == 4);
  CHECK(files.parts[1].file == fs::path("/runs/a/rank-1.3.pepita"));

  CHECK(join_parts(files.manifest, manifest_file, files.parts) == run_state());
}

TEST_CASE("a rank joins the manifest with its own part only") {
  const Saved files = saved(1);
  const Checkpoint rank_1 = join_parts(files.manifest, manifest_file, std::span(files.parts).subspan(1));
  std::vector<std::string> names;
  for (const auto& [name, values] : rank_1.arrays) names.push_back(name);
  CHECK(names == std::vector<std::string>{"W2", "V2", "W3", "V3", "F"});
  // Its counters are the run's, without the manifest's own.
  CHECK(rank_1.counters == run_state().counters);
}

TEST_CASE("a part that its manifest did not seal is refused in one line naming it") {
  Saved files = saved(4);
  SUBCASE("from another save") {
    // The same run and position with other weights: the same size, so only the checksum tells.
    Checkpoint other = run_state();
    other.arrays[2].second[0] = 40;
    files.parts[1].bytes = encode_checkpoint(part_of(other, owners, 1));
    const std::string message = testing::one_line_error<CheckpointError>(
        [&] { join_parts(files.manifest, manifest_file, files.parts); }, files.parts[1].file);
    CHECK(message.find("not the part that checkpoint.pepita sealed") != std::string::npos);
  }
  SUBCASE("damaged") {
    files.parts[0].bytes[30] ^= 1;
    const std::string message = testing::one_line_error<CheckpointError>(
        [&] { join_parts(files.manifest, manifest_file, files.parts); }, files.parts[0].file);
    CHECK(message.find("checksum") != std::string::npos);
  }
  SUBCASE("of a rank the manifest does not have") {
    files.parts[1].rank = 2;
    testing::one_line_error<CheckpointError>([&] { join_parts(files.manifest, manifest_file, files.parts); },
                                             files.parts[1].file);
  }
}

TEST_CASE("a manifest that names more parts than it seals is refused before anything is sized by it") {
  Saved files = saved(2);
  for (auto& [name, value] : files.manifest.counters)
    if (name == "parts.count") value = 1ull << 40;
  const std::string message = testing::one_line_error<CheckpointError>(
      [&] { join_parts(files.manifest, manifest_file, files.parts); }, manifest_file);
  CHECK(message.find("names 1099511627776 parts") != std::string::npos);
}

TEST_CASE("a manifest whose part counters are damaged is refused in one line") {
  Saved files = saved(2);
  for (auto& [name, value] : files.manifest.counters)
    if (name == "part.W2") value = 7;  // no such rank
  const std::string message = testing::one_line_error<CheckpointError>(
      [&] { join_parts(files.manifest, manifest_file, files.parts); }, manifest_file);
  CHECK(message.find("array W2 on rank 7") != std::string::npos);
}

}  // namespace
}  // namespace pepita
