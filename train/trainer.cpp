#include "train/trainer.hpp"

#include <chrono>
#include <numeric>
#include <stdexcept>

#include "layers/counter_rng.hpp"

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
      scheduler_(make_scheduler(config.scheduler)),
      batch_pool_([] { return BatchInfo{}; }),
      train_order_(data.train.size()),
      test_order_(data.test.size()) {
  validate(config);
  if (data.train.shape.size() != data.test.shape.size()) throw std::invalid_argument("train and test images differ in size");
  if (std::size_t(config.batch_size) > data.train.size())
    throw std::invalid_argument("--batch-size " + std::to_string(config.batch_size) + " is larger than the training set (" +
                                std::to_string(data.train.size()) + " samples)");
  std::iota(test_order_.begin(), test_order_.end(), 0u);
  GraphConfig graph{.rule = parse_rule(config.rule),
                    .inputs = int(data.train.shape.size()),
                    .hidden = config.hidden,
                    .classes = data.train.classes,
                    .dropout = float(config.dropout),
                    .momentum = float(config.momentum),
                    .seed = config.seed,
                    .max_rows = std::max(config.batch_size, config.eval_batch_size),
                    .pepita = config.pepita};
  scheduler_->configure(graph);
  graph_ = std::make_unique<TrainingGraph>(graph);
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

EpochRecord Trainer::run_epoch(int epoch) {
  using clock = std::chrono::steady_clock;
  EpochRecord record;
  record.epoch = epoch;
  record.learning_rate = learning_rate_at(config_, epoch);
  graph_->set_learning_rate(float(record.learning_rate));
  shuffle_for_epoch(train_order_, config_.seed, epoch);
  const std::vector<BatchHandle> batches = make_batches(data_.train, train_order_, config_.batch_size, epoch - 1,
                                                        config_.max_batches, training_batches_);
  training_batches_ += batches.size();
  const auto started = clock::now();
  graph_->on_batch_completed([&](std::int64_t done) {
    if (progress_)
      progress_({epoch, done, std::int64_t(batches.size()), std::chrono::duration<double>(clock::now() - started).count()});
  });
  graph_->reset_node_loads();
  scheduler_->train(*graph_, batches);
  record.train_seconds = std::chrono::duration<double>(clock::now() - started).count();
  add_training_loads();
  graph_->on_batch_completed({});
  std::int64_t samples = 0;
  for (const BatchHandle& b : batches) samples += b->rows();
  record.samples_per_second = double(samples) / record.train_seconds;
  const ScoreTally train = graph_->take_training_tally();
  record.train_loss = train.mean_loss();
  record.train_accuracy = 100.0 * train.accuracy();

  // Evaluation draws no randomness and keeps no state, so its ids need not be unique.
  const std::vector<BatchHandle> test_batches =
      make_batches(data_.test, test_order_, config_.eval_batch_size, epoch - 1, 0, 0);
  graph_->run(test_batches, Pass::evaluate);
  const ScoreTally test = graph_->take_evaluation_tally();
  record.test_loss = test.mean_loss();
  record.test_accuracy = 100.0 * test.accuracy();
  history_.push_back(record);
  return record;
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

void Trainer::run(const std::function<void(const EpochRecord&)>& on_epoch) {
  for (int epoch = int(history_.size()) + 1; epoch <= config_.epochs; ++epoch) {
    const EpochRecord record = run_epoch(epoch);
    if (on_epoch) on_epoch(record);
  }
}

}  // namespace pepita
