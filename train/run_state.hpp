#pragma once
// A Trainer's whole state as a Checkpoint (train/checkpoint.hpp), and back. A checkpoint holds:
//
//   config_text    the run's configuration as `--config` reads it (seed included)
//   fingerprint    what must match to resume (run_fingerprint)
//   epoch, batch   epochs finished; training batches finished in the next epoch
//   batches_total  the run-wide id of the next training batch
//   arrays         W<l>, V<l>: weights and velocity of learning layer l (1 = first);
//                  B<l>: its fixed feedback weights (FA, DFA, DRTP); F: PEPITA's input projection
//   counters       tally.loss_sum, tally.correct, tally.samples: the epoch's training tally so far;
//                  epoch_seconds: its training time so far; history.<E>.<field> for every finished
//                  epoch E and field lr, train_loss, train_accuracy, test_loss, test_accuracy,
//                  train_seconds, samples_per_second; on the virtual clock, clock.now,
//                  clock.samples, clock.visits, clock.crossings, clock.crossing_bytes, clock.busy.<d>
//                  and clock.peak_bytes.<m> (VirtualClock::Totals). Doubles are stored as their
//                  IEEE-754 bits, so they come back exactly.
//   metrics_csv    the same history as text, for people
//
// Across MPI ranks the same state is saved as a manifest and one part per rank
// (train/checkpoint_parts.hpp); each rank restores its own layers' arrays and the manifest's.
//
// There is no random-generator state to save: every random number is a function of (seed, epoch,
// batch id) (layers/counter_rng.hpp), so the seed and the position are the random state.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "train/checkpoint.hpp"
#include "train/trainer.hpp"

namespace pepita {

// "version=… rule=… model=… dataset=… layers=784-1024-10 scheduler=…"
std::string run_fingerprint(Trainer& trainer);

// The trainer's state now; call between chunks (from a safe-point callback, or while idle).
Checkpoint capture_run_state(Trainer& trainer, std::string config_text);

// Across ranks, what this rank writes of a checkpoint (train/checkpoint_parts.hpp): the state as
// capture_run_state has it, but with values only for the arrays this rank saves (its own layers',
// and on the root the manifest's); every array keeps its name and place. `owners[i]` is the rank
// whose part holds `state.arrays[i]`, nullopt for the manifest's. A rank thus copies only what it
// writes, although the root holds a gathered copy of every layer.
struct RankState {
  Checkpoint state;
  std::vector<std::optional<int>> owners;
};
RankState capture_rank_state(Trainer& trainer, std::string config_text);

// Puts a checkpoint read from `file` into a trainer just built from the checkpoint's configuration.
// Across ranks, the checkpoint holds the manifest's arrays and this rank's layers' (join_parts),
// and only those are restored. Throws CheckpointError (one line, starting with `file`) when the
// fingerprint differs or an array, counter or the position does not fit the run, and then leaves
// the trainer as it was.
void restore_run_state(Trainer& trainer, const Checkpoint& checkpoint, const std::filesystem::path& file);

}  // namespace pepita
