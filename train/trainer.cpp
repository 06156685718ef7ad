#include "train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <stdexcept>
#include <string>

#include "graph/model_spec.hpp"
#include "graph/rank_agreement.hpp"
#include "layers/counter_rng.hpp"
#include "layers/seconds_since.hpp"
#include "train/rank_plan.hpp"
#include "train/weight_statistics.hpp"

namespace pepita {

void shuffle_for_epoch(std::vector<std::uint32_t>& order, std::uint64_t seed, int epoch) {
  std::iota(order.begin(), order.end(), 0u);
  const CounterRng rng(seed, rng_stream::shuffle, std::uint64_t(epoch));
  for (std::size_t i = order.size(); i > 1; --i) {
    const std::size_t j = std::size_t(rng.bits(i) % i);
    std::swap(order[i - 1], order[j]);
  }
}

Trainer::Trainer(const TrainConfig& config, const DatasetPair& data)
    : config_(config),
      data_(data),
      batch_pool_([] { return BatchInfo{}; }),
      scheduler_(make_scheduler(config.scheduler)),
      train_order_(data.train.size()),
      test_order_(data.test.size()) {
  validate(config);
  if (data.train.shape.size() != data.test.shape.size()) throw std::invalid_argument("train and test images differ in size");
  if (std::size_t(config.batch_size) > data.train.size())
    throw std::invalid_argument("--batch-size " + std::to_string(config.batch_size) + " is larger than the training set (" +
                                std::to_string(data.train.size()) + " samples)");
  std::iota(test_order_.begin(), test_order_.end(), 0u);
  GraphConfig graph = graph_config(config, data.train.shape, data.train.classes);
  if (config.link) graph.ranks = rank_plan(graph, config.simulation.placement, *config.link);
  // Building the graph allocates this rank's layers: across ranks it can fail on one alone.
  const auto build = [&] { return std::make_unique<TrainingGraph>(graph); };
  graph_ = config.link ? agreed_across_ranks(*config.link, build) : build();
  if (config.simulation.no_math) throw std::invalid_argument("--no-math runs without a trainer: there is nothing to train");
  if (config.simulation.on_virtual_clock()) simulation_ = std::make_unique<Simulation>(*graph_, config.simulation);
}

std::vector<BatchHandle> Trainer::make_batches(const Dataset& data, std::span<const std::uint32_t> order,
                                               int batch_size, int epoch, std::int64_t limit,
                                               std::uint64_t first_id) {
  std::vector<BatchHandle> batches;
  for (std::size_t start = 0; start < order.size(); start += std::size_t(batch_size)) {
    if (limit > 0 && std::int64_t(batches.size()) >= limit) break;
    BatchHandle batch = batch_pool_.acquire();
    batch->id = first_id + batches.size();
    batch->epoch = epoch;
    batch->index = std::int64_t(batches.size());
    batch->data = &data;
    batch->samples = order.subspan(start, std::min(std::size_t(batch_size), order.size() - start));
    batches.push_back(std::move(batch));
  }
  return batches;
}

std::int64_t Trainer::batches_per_epoch() const {
  const std::int64_t all = (std::int64_t(data_.train.size()) + config_.batch_size - 1) / config_.batch_size;
  return config_.max_batches > 0 ? std::min(all, config_.max_batches) : all;
}

std::int64_t Trainer::chunk_batches() const {
  const std::int64_t all = batches_per_epoch();
  if (save_every_ <= 0) return all;
  // A scheduler may apply one update per group of batches (GPipe): chunks of whole groups keep every
  // group (and so every update) where an unchunked epoch has it.
  const std::int64_t group = std::max(1, scheduler_->batches_per_update());
  return std::min(all, (save_every_ + group - 1) / group * group);
}

void Trainer::on_safe_point(std::int64_t every, std::function<void()> save) {
  if (every < 0) throw std::invalid_argument("the checkpoint interval must be >= 0");
  save_every_ = every;
  save_ = std::move(save);
}

RunPosition Trainer::position() const {
  return {epoch_, batches_done_, training_batches_, graph_->peek_training_tally(), epoch_seconds_};
}

void Trainer::restore(const RunPosition& p, std::vector<EpochRecord> history) {
  const auto require = [](bool ok, const std::string& problem) {
    if (!ok) throw std::invalid_argument(problem);
  };
  const std::string where = "epoch " + std::to_string(p.epoch) + ", batch " + std::to_string(p.batches_done);
  require(p.epoch >= 1 && p.epoch <= config_.epochs + 1,
          where + " is outside this run's " + std::to_string(config_.epochs) + " epochs");
  // A finished epoch is saved after its evaluation, so a saved position is never at its very end.
  const std::int64_t batches = p.epoch > config_.epochs ? 1 : batches_per_epoch();
  require(p.batches_done >= 0 && p.batches_done < batches,
          where + " is outside the epoch's " + std::to_string(batches_per_epoch()) + " batches");
  require(p.next_batch_id >= std::uint64_t(p.batches_done), where + " follows only " +
                                                                std::to_string(p.next_batch_id) + " batches in all");
  require(p.tally.samples >= 0 && p.tally.correct >= 0 && p.tally.correct <= p.tally.samples,
          "the training tally counts " + std::to_string(p.tally.correct) + " correct of " +
              std::to_string(p.tally.samples) + " samples");
  require(history.size() == std::size_t(p.epoch - 1),
          where + " follows " + std::to_string(history.size()) + " recorded epochs");
  for (std::size_t e = 0; e < history.size(); ++e)
    require(history[e].epoch == int(e + 1), "the history's record " + std::to_string(e + 1) + " is of epoch " +
                                                std::to_string(history[e].epoch));
  epoch_ = p.epoch;
  batches_done_ = p.batches_done;
  training_batches_ = p.next_batch_id;
  epoch_seconds_ = p.epoch_seconds;
  graph_->restore_training_tally(p.tally);
  history_ = std::move(history);
}

EpochRecord Trainer::run_epoch(int epoch) {
  std::optional<EpochRecord> record = train_epoch(epoch);
  if (!record) throw TrainingStopped("training stopped on request in epoch " + std::to_string(epoch));
  return *record;
}

std::optional<EpochRecord> Trainer::train_epoch(int epoch) {
  if (epoch != epoch_) {  // not the epoch the position is in: start it afresh
    epoch_ = epoch;
    batches_done_ = 0;
    epoch_seconds_ = 0;
    graph_->take_training_tally();
  }
  EpochRecord record;
  record.epoch = epoch;
  // Mirroring's pre-training epochs teach F alone: W's rate is 0 (its velocity is still 0 then).
  const MirrorOptions& mirror = config_.pepita.mirror;
  record.learning_rate = mirror.only_mirrors_in(epoch) ? 0.0 : learning_rate_at(config_, epoch);
  graph_->set_learning_rate(float(record.learning_rate));
  graph_->set_mirroring(mirror.mirrors_in(epoch));
  shuffle_for_epoch(train_order_, config_.seed, epoch);
  // The whole epoch's batches, so that a resumed epoch has the same ids and order as the original.
  const std::vector<BatchHandle> batches = make_batches(data_.train, train_order_, config_.batch_size, epoch - 1,
                                                        config_.max_batches,
                                                        training_batches_ - std::uint64_t(batches_done_));
  if (!train_rest_of_epoch(batches)) return std::nullopt;
  record.train_seconds = epoch_seconds_;
  std::int64_t samples = 0;
  for (const BatchHandle& b : batches) samples += b->rows();
  record.samples_per_second = double(samples) / record.train_seconds;
  const ScoreTally train = graph_->take_training_tally();
  record.train_loss = train.mean_loss();
  record.train_accuracy = 100.0 * train.accuracy();

  // Evaluation draws no randomness and keeps no state, so its ids need not be unique.
  const std::vector<BatchHandle> test_batches =
      make_batches(data_.test, test_order_, config_.eval_batch_size, epoch - 1, config_.max_eval_batches, 0);
  graph_->run(test_batches, Pass::evaluate);
  const ScoreTally test = graph_->take_evaluation_tally();
  record.test_loss = test.mean_loss();
  record.test_accuracy = 100.0 * test.accuracy();
  record.weight_norms = weight_norms(*graph_);
  record.feedback_angle_degrees = feedback_angle_degrees(*graph_);
  history_.push_back(record);
  epoch_ = epoch + 1;
  batches_done_ = 0;
  epoch_seconds_ = 0;
  if (save_) save_();
  return record;
}

namespace {

// Runs `action` when it goes out of scope, however that happens.
template <class Action>
struct ScopeExit {
  Action action;
  ~ScopeExit() { action(); }
};

}  // namespace

bool Trainer::train_rest_of_epoch(std::span<const BatchHandle> batches) {
  const std::size_t total = batches.size();
  const std::size_t chunk = std::size_t(chunk_batches());
  // Progress covers the whole epoch, the batches and time before a resume included.
  const int epoch = epoch_;
  std::int64_t completed = batches_done_;
  const double seconds_before = epoch_seconds_;
  const auto started = std::chrono::steady_clock::now();
  graph_->on_batch_completed([&, epoch](std::int64_t) {
    ++completed;
    if (progress_) progress_({epoch, completed, std::int64_t(total), seconds_before + seconds_since(started)});
  });
  // The callback refers to this frame: unhook it on every way out, a divergence included.
  const ScopeExit unhook{[this] { graph_->on_batch_completed({}); }};
  graph_->reset_node_loads();
  bool stopped = false;
  while (std::size_t(batches_done_) < total) {
    // Across ranks the root's answer counts, so that every rank stops at the same chunk.
    if (stop_requested_ && graph_->root_decides(stop_requested_())) {
      stopped = true;
      break;
    }
    const std::size_t done = std::size_t(batches_done_);
    const auto part = batches.subspan(done, std::min(chunk, total - done));
    const auto chunk_started = std::chrono::steady_clock::now();
    BatchRunner& runner = simulation_ ? static_cast<BatchRunner&>(*simulation_) : *graph_;
    const std::size_t trained = scheduler_->train(runner, part, stop_requested_);
    epoch_seconds_ += seconds_since(chunk_started);
    // Across ranks, the root now has the chunk's locking metrics and node loads from every rank,
    // for a checkpoint or the epoch's report (a no-op in one process).
    graph_->gather_to_root();
    if (simulation_) training_seconds_ += seconds_since(chunk_started);  // the flow graph's own run time stays 0
    batches_done_ += std::int64_t(trained);
    training_batches_ += trained;
    if (trained < part.size()) {  // asked to stop inside the chunk
      stopped = true;
      break;
    }
    // The epoch's end is saved after its evaluation, in run_epoch.
    if (std::size_t(batches_done_) < total && save_) save_();
  }
  add_training_loads();
  return !stopped;
}

void Trainer::add_training_loads() {
  const std::vector<NodeLoad> loads = graph_->node_loads();
  if (training_loads_.empty()) training_loads_ = std::vector<NodeLoad>(loads.size());
  for (std::size_t i = 0; i < loads.size(); ++i) {
    training_loads_[i].name = loads[i].name;
    training_loads_[i].busy_seconds += loads[i].busy_seconds;
    training_loads_[i].visits += loads[i].visits;
  }
  training_seconds_ += graph_->run_seconds();
}

bool Trainer::run(const std::function<void(const EpochRecord&)>& on_epoch) {
  while (epoch_ <= config_.epochs) {
    const std::optional<EpochRecord> record = train_epoch(epoch_);
    if (!record) return false;
    if (on_epoch) on_epoch(*record);
  }
  return true;
}

}  // namespace pepita
