#pragma once
// Saving and resuming a run across MPI ranks; the files are train/checkpoint_parts.hpp's. Every rank
// calls these at the same points between the graph's runs, as it calls gather_to_root. A step that
// can fail on one rank alone (a full disk, a missing part) ends with the ranks agreeing: either
// every rank goes on, or every rank throws CheckpointError, so that no rank waits for one that
// gave up. The root's error names the file and the problem; the other ranks' stay silent
// (apps/pepita/cli.cpp), so the job prints one line.
#include <filesystem>
#include <string>

#include "graph/remote_link.hpp"
#include "train/checkpoint.hpp"
#include "train/trainer.hpp"

namespace pepita {

// Saves the state of `trainer`, whose graph spans ranks, in `dir`: each rank writes its part, then
// the root writes the manifest, then each rank removes its parts of earlier saves. The parts get a
// generation above every part file any rank still has, so a save never overwrites a file that the
// last manifest names, even after a crash in the middle of a save. On failure the last manifest
// and its parts stay as they were.
void save_across_ranks(Trainer& trainer, const std::string& config_text, const std::filesystem::path& dir);

// What this rank restores from the checkpoint in `dir`: the manifest joined with this rank's part
// (join_parts). A checkpoint saved by one process comes back as it is, and its fingerprint then
// refuses the ranks.
Checkpoint load_across_ranks(const std::filesystem::path& dir, RemoteLink& link);

// restore_run_state on every rank, with `checkpoint` from load_across_ranks and `file` the
// manifest it came from: each rank restores the layers it runs, and the root the manifest's state.
void restore_across_ranks(Trainer& trainer, const Checkpoint& checkpoint, const std::filesystem::path& file);

}  // namespace pepita
