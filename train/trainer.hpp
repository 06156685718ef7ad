#pragma once
// Runs epochs through the training graph: shuffles, batches, decays the rate, evaluates on the
// test set after every epoch (through the same graph) and records what happened.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include "data/dataset.hpp"
#include "graph/training_graph.hpp"
#include "schedulers/scheduler_registry.hpp"
#include "simulation/simulation.hpp"
#include "train/config.hpp"

namespace pepita {

struct EpochRecord {
  int epoch = 0;  // 1-based
  double learning_rate = 0;
  double train_loss = 0;
  double train_accuracy = 0;  // percent, on the standard pass with dropout, as the batches went
  double test_loss = 0;
  double test_accuracy = 0;   // percent
  double train_seconds = 0;   // wall time of the training batches, evaluation excluded
  double samples_per_second = 0;
  std::vector<double> weight_norms;            // ‖W_l‖_F after the epoch (train/weight_statistics.hpp)
  std::optional<double> feedback_angle_degrees;  // ∠(W_L⋯W_1, Fᵀ), for fully connected PEPITA
};

struct TrainingProgress {
  int epoch = 0;
  std::int64_t batches_done = 0;
  std::int64_t batches_in_epoch = 0;
  double seconds = 0;  // since the epoch started
};

// Where a run stands between two chunks of batches: everything besides the weights that resuming
// needs. With the seed it is also the whole random state, since every random number is a function
// of (seed, epoch, batch id) (layers/counter_rng.hpp).
struct RunPosition {
  int epoch = 1;                    // the epoch in progress, or the next to start (1-based)
  std::int64_t batches_done = 0;    // training batches of that epoch already learned from
  std::uint64_t next_batch_id = 0;  // run-wide id of the next training batch
  ScoreTally tally;                 // the epoch's training loss and accuracy so far
  double epoch_seconds = 0;         // the epoch's training wall time so far
};

// run_epoch was asked to stop (stop_when) before the end of the epoch; the position is where it
// stopped, so the run can be saved and resumed.
struct TrainingStopped : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Trainer {
 public:
  Trainer(const TrainConfig& config, const DatasetPair& data);

  // Trains the epochs left up to config.epochs; after each, calls on_epoch with its record.
  // Returns false when it stopped early on request (stop_when), true when every epoch is done.
  bool run(const std::function<void(const EpochRecord&)>& on_epoch);
  // Trains one epoch (1-based), from the restored position if it lies inside it, and evaluates.
  // Throws TrainingStopped if asked to stop (stop_when) before the epoch's last batch.
  EpochRecord run_epoch(int epoch);

  // Calls `save` at every point a run can resume from: after every epoch, and within an epoch
  // after every `every` training batches (0: never). Epochs then train in chunks of `every`
  // batches (gpipe: rounded up to whole groups of micro-batches, so no group straddles a save),
  // which under the sequential scheduler is the same computation as one run of the whole epoch.
  void on_safe_point(std::int64_t every, std::function<void()> save);
  // Asked before every chunk and, inside one, after every finished batch (on a node thread, so it
  // must be thread-safe). Once it answers true no more batches are admitted: those in flight finish
  // (GPipe: the group in flight) and run and run_epoch return there, at a position a save can hold.
  void stop_when(std::function<bool()> requested) { stop_requested_ = std::move(requested); }
  // Training batches per epoch (after --max-batches), and the batches a chunk holds.
  std::int64_t batches_per_epoch() const;
  std::int64_t chunk_batches() const;

  RunPosition position() const;
  // Continues a saved run: `position` and the epochs recorded before it. Call before training,
  // after restoring the weights. Throws std::invalid_argument if they do not fit this run.
  void restore(const RunPosition& position, std::vector<EpochRecord> history);

  void on_progress(std::function<void(const TrainingProgress&)> callback) { progress_ = std::move(callback); }
  const TrainConfig& config() const { return config_; }
  TrainingGraph& graph() { return *graph_; }
  const std::vector<EpochRecord>& history() const { return history_; }
  // Busy time of every node, and wall time, over the training runs (evaluation excluded).
  const std::vector<NodeLoad>& training_loads() const { return training_loads_; }
  double training_seconds() const { return training_seconds_; }
  // Records a Chrome trace of everything from now on.
  void enable_trace() { graph_->enable_trace(); }
  // The virtual clock the run is timed on (--clock virtual), or null on the host's clock.
  const Simulation* simulation() const { return simulation_.get(); }
  Simulation* simulation() { return simulation_.get(); }

 private:
  void add_training_loads();
  // Batches of `order` with ids first_id, first_id + 1, …
  std::vector<BatchHandle> make_batches(const Dataset& data, std::span<const std::uint32_t> order, int batch_size,
                                        int epoch, std::int64_t limit, std::uint64_t first_id);
  // run_epoch, or nothing if asked to stop first.
  std::optional<EpochRecord> train_epoch(int epoch);
  // Learns from the epoch's batches after the first batches_done_, a chunk at a time; false if a
  // stop was requested before the last chunk.
  bool train_rest_of_epoch(std::span<const BatchHandle> batches);

  TrainConfig config_;
  const DatasetPair& data_;
  // Before the graph, so that it outlives the batches a failed run leaves in the graph's buffers.
  BatchPool batch_pool_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<TrainingGraph> graph_;
  std::unique_ptr<Simulation> simulation_;  // after the graph, whose nodes it runs
  std::vector<std::uint32_t> train_order_;
  std::vector<std::uint32_t> test_order_;
  // The position (RunPosition without the tally, which the graph keeps).
  int epoch_ = 1;
  std::int64_t batches_done_ = 0;
  std::uint64_t training_batches_ = 0;  // so far; gives every training batch a run-wide id
  double epoch_seconds_ = 0;
  std::vector<EpochRecord> history_;
  std::vector<NodeLoad> training_loads_;
  double training_seconds_ = 0;
  std::function<void(const TrainingProgress&)> progress_;
  std::int64_t save_every_ = 0;
  std::function<void()> save_;
  std::function<bool()> stop_requested_;
};

// The permutation of [0, n) used in a 1-based epoch: a seeded Fisher–Yates shuffle.
void shuffle_for_epoch(std::vector<std::uint32_t>& order, std::uint64_t seed, int epoch);

}  // namespace pepita
