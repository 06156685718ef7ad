#pragma once
// Runs epochs through the training graph: shuffles, batches, decays the rate, evaluates on the
// test set after every epoch (through the same graph) and records what happened.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "data/dataset.hpp"
#include "graph/training_graph.hpp"
#include "schedulers/scheduler.hpp"
#include "train/config.hpp"
#include "graph/training_graph.hpp"

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
};

struct TrainingProgress {
  int epoch = 0;
  std::int64_t batches_done = 0;
  std::int64_t batches_in_epoch = 0;
  double seconds = 0;  // since the epoch started
};

class Trainer {
 public:
  Trainer(const TrainConfig& config, const DatasetPair& data);

  // Trains config.epochs epochs; after each, calls on_epoch with its record.
  void run(const std::function<void(const EpochRecord&)>& on_epoch);
  // Trains one epoch (1-based) and evaluates.
  EpochRecord run_epoch(int epoch);

  void on_progress(std::function<void(const TrainingProgress&)> callback) { progress_ = std::move(callback); }
  TrainingGraph& graph() { return *graph_; }
  const std::vector<EpochRecord>& history() const { return history_; }
  // Busy time of every node, and wall time, over the training runs (evaluation excluded).
  const std::vector<NodeLoad>& training_loads() const { return training_loads_; }
  double training_seconds() const { return training_seconds_; }
  // Records a Chrome trace of everything from now on.
  void enable_trace() { graph_->enable_trace(); }

 private:
  // Batches of `order` with ids first_id, first_id + 1, …
  void add_training_loads();
  std::vector<BatchHandle> make_batches(const Dataset& data, std::span<const std::uint32_t> order, int batch_size,
                                        int epoch, std::int64_t limit, std::uint64_t first_id);

  TrainConfig config_;
  const DatasetPair& data_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<TrainingGraph> graph_;
  BatchPool batch_pool_;
  std::vector<std::uint32_t> train_order_;
  std::vector<std::uint32_t> test_order_;
  std::uint64_t training_batches_ = 0;  // so far; gives every training batch a run-wide id
  std::vector<EpochRecord> history_;
  std::vector<NodeLoad> training_loads_;
  double training_seconds_ = 0;
  std::function<void(const TrainingProgress&)> progress_;
};

// The permutation of [0, n) used in a 1-based epoch: a seeded Fisher–Yates shuffle.
void shuffle_for_epoch(std::vector<std::uint32_t>& order, std::uint64_t seed, int epoch);

}  // namespace pepita
