#include "train/run_state.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <map>
#include <cmath>
#include <optional>
#include <sstream>
#include <span>
#include <utility>
#include <vector>

#include "train/rank_plan.hpp"
#include "train/reports.hpp"

namespace pepita {

namespace fs = std::filesystem;

namespace {

// The history's per-epoch values, by counter name; capture and restore both walk this table.
struct RecordField {
  const char* name;
  double EpochRecord::*member;
};
constexpr RecordField record_fields[] = {
    {"lr", &EpochRecord::learning_rate},
    {"train_loss", &EpochRecord::train_loss},
    {"train_accuracy", &EpochRecord::train_accuracy},
    {"test_loss", &EpochRecord::test_loss},
    {"test_accuracy", &EpochRecord::test_accuracy},
    {"train_seconds", &EpochRecord::train_seconds},
    {"samples_per_second", &EpochRecord::samples_per_second},
};

std::string history_counter(int epoch, const RecordField& field) {
  return "history." + std::to_string(epoch) + "." + field.name;
}

std::string weight_norm_counter(int epoch, std::size_t layer) {
  return "history." + std::to_string(epoch) + ".weight_norm." + std::to_string(layer + 1);
}
std::string feedback_angle_counter(int epoch) { return "history." + std::to_string(epoch) + ".feedback_angle"; }

// One array of the run's state under its checkpoint name. Across ranks a layer's arrays belong to
// the rank that runs the layer (train/checkpoint_parts.hpp), and F and its factors to the rank that
// runs the projection node.
struct StateArray {
  std::string name;
  std::span<float> values;
  std::optional<int> rank;  // only across ranks
};

// Every array of the run's state, in the checkpoint's order. Layers without weights (pooling) are
// not learning layers and hold none. Across ranks the list is the same on every rank, but a layer's
// arrays are empty except on the rank that runs it.
std::vector<StateArray> state_arrays(Trainer& trainer) {
  TrainingGraph& graph = trainer.graph();
  std::vector<StateArray> arrays;
  for (int l = 0; l < graph.layer_count(); ++l) {
    LayerNode& node = graph.layer(l);
    const std::string number = std::to_string(l + 1);
    std::optional<int> rank;
    if (graph.spans_ranks()) rank = graph.config().ranks.rank_of_node.at(std::size_t(node.position()));
    arrays.push_back({"W" + number, node.layer().weights(), rank});
    arrays.push_back({"V" + number, node.layer().velocity(), rank});
    if (node.has_feedback_weights()) arrays.push_back({"B" + number, node.feedback_weights(), rank});
  }
  // F and its factors belong to the projection node's rank, where mirroring makes them learn.
  const std::optional<int> projection_rank = graph.projection_rank();
  if (!graph.input_projection().empty()) arrays.push_back({"F", graph.input_projection(), projection_rank});
  const std::vector<std::span<float>> factors = graph.feedback_factors();
  for (std::size_t l = 0; l < factors.size(); ++l) arrays.push_back({"FB" + std::to_string(l + 1), factors[l], projection_rank});
  return arrays;
}

// The arrays this process restores: across ranks, the manifest's and this rank's own layers'.
std::vector<StateArray> arrays_held_here(Trainer& trainer) {
  std::vector<StateArray> arrays = state_arrays(trainer);
  if (const RemoteLink* link = trainer.graph().config().ranks.link)
    std::erase_if(arrays, [&](const StateArray& array) { return array.rank && *array.rank != link->rank(); });
  return arrays;
}

// A fingerprint is space-separated key=value words.
std::string word(std::string text) {
  std::replace(text.begin(), text.end(), ' ', '_');
  return text;
}

CheckpointError problem(const fs::path& file, const std::string& what) {
  return CheckpointError(file.string() + ": " + what);
}

// The checkpoint's counters by name; every one must be read, so that a counter this program does
// not know is an error rather than something silently dropped.
class CounterReader {
 public:
  CounterReader(const Checkpoint& checkpoint, const fs::path& file) : file_(file) {
    for (const auto& [name, value] : checkpoint.counters)
      if (!counters_.emplace(name, value).second) throw problem(file_, "counter " + name + " appears twice");
  }
  std::uint64_t take(const std::string& name) {
    const auto found = counters_.find(name);
    if (found == counters_.end()) throw problem(file_, "checkpoint has no counter " + name);
    const std::uint64_t value = found->second;
    counters_.erase(found);
    return value;
  }
  double take_double(const std::string& name) { return std::bit_cast<double>(take(name)); }
  void require_all_taken() const {
    if (!counters_.empty()) throw problem(file_, "unexpected counter " + counters_.begin()->first);
  }

 private:
  const fs::path& file_;
  std::map<std::string, std::uint64_t> counters_;
};

const std::vector<float>* find_array(const Checkpoint& checkpoint, const std::string& name) {
  for (const auto& [array_name, values] : checkpoint.arrays)
    if (array_name == name) return &values;
  return nullptr;
}

// `targets`: the arrays this process restores; `known`: every array of the run. A checkpoint may
// hold an array of the run that another rank restores (a manifest written before F moved to its
// node's part holds F on every rank), but none the run does not have.
void require_arrays_fit(const std::vector<StateArray>& targets, const std::vector<StateArray>& known, const Checkpoint& checkpoint,
                        const fs::path& file) {
  for (const auto& [name, target, rank] : targets) {
    const std::vector<float>* saved = find_array(checkpoint, name);
    if (!saved) throw problem(file, "checkpoint has no array " + name);
    if (saved->size() != target.size())
      throw problem(file, "array " + name + " holds " + std::to_string(saved->size()) +
                              " values, this run's holds " + std::to_string(target.size()));
  }
  for (const auto& [name, values] : checkpoint.arrays) {
    const auto is_known = [&name](const StateArray& array) { return array.name == name; };
    if (std::none_of(known.begin(), known.end(), is_known)) throw problem(file, "unexpected array " + name);
    const auto named = [&name](const auto& array) { return array.first == name; };
    if (std::count_if(checkpoint.arrays.begin(), checkpoint.arrays.end(), named) > 1)
      throw problem(file, "array " + name + " appears twice");
  }
}

}  // namespace

std::string run_fingerprint(Trainer& trainer) {
  const TrainConfig& config = trainer.config();
  TrainingGraph& graph = trainer.graph();
  std::ostringstream out;
  out << "version=" << word(PEPITA_VERSION) << " rule=" << word(config.rule.name()) << " model=" << word(config.model)
      << " dataset=" << word(config.dataset) << " layers=" << graph.layer(0).layer().inputs();
  for (int l = 0; l < graph.layer_count(); ++l) out << '-' << graph.layer(l).layer().outputs();
  out << " scheduler=" << word(config.scheduler.name);
  // A run across ranks resumes on the same ranks with the same split: each rank's layers are its own.
  if (graph.spans_ranks()) out << " ranks=" << config.link->ranks() << " placement=" << describe_ranks(graph.config());
  return out.str();
}

namespace {

// The trainer's state, with the values of the arrays `copied` accepts; the others keep their name
// and no values.
template <class Copied>
Checkpoint capture(Trainer& trainer, std::string config_text, Copied copied) {
  const RunPosition position = trainer.position();
  Checkpoint checkpoint{.config_text = std::move(config_text),
                        .fingerprint = run_fingerprint(trainer),
                        .epoch = position.epoch - 1,
                        .batch = position.batches_done,
                        .batches_total = position.next_batch_id,
                        .metrics_csv = metrics_csv(trainer.history()),
                        .arrays = {},
                        .counters = {}};
  for (const StateArray& array : state_arrays(trainer))
    checkpoint.arrays.emplace_back(array.name, copied(array) ? std::vector<float>(array.values.begin(), array.values.end())
                                                             : std::vector<float>());
  auto& counters = checkpoint.counters;
  counters.emplace_back("tally.loss_sum", std::bit_cast<std::uint64_t>(position.tally.loss_sum));
  counters.emplace_back("tally.correct", std::uint64_t(position.tally.correct));
  counters.emplace_back("tally.samples", std::uint64_t(position.tally.samples));
  counters.emplace_back("epoch_seconds", std::bit_cast<std::uint64_t>(position.epoch_seconds));
  for (const EpochRecord& record : trainer.history()) {
    for (const RecordField& field : record_fields)
      counters.emplace_back(history_counter(record.epoch, field), std::bit_cast<std::uint64_t>(record.*field.member));
    for (std::size_t l = 0; l < record.weight_norms.size(); ++l)
      counters.emplace_back(weight_norm_counter(record.epoch, l), std::bit_cast<std::uint64_t>(record.weight_norms[l]));
    // NaN where the run has no such angle (another rule, a conv model).
    counters.emplace_back(feedback_angle_counter(record.epoch),
                          std::bit_cast<std::uint64_t>(record.feedback_angle_degrees.value_or(std::nan(""))));
  }
  if (const Simulation* simulation = trainer.simulation()) {
    const VirtualClock::Totals totals = simulation->clock().totals();
    counters.emplace_back("clock.now", std::bit_cast<std::uint64_t>(totals.now));
    counters.emplace_back("clock.samples", std::uint64_t(totals.samples));
    counters.emplace_back("clock.visits", std::uint64_t(totals.visits));
    counters.emplace_back("clock.crossings", std::uint64_t(totals.crossings));
    counters.emplace_back("clock.crossing_bytes", std::uint64_t(totals.crossing_bytes));
    for (std::size_t d = 0; d < totals.busy.size(); ++d)
      counters.emplace_back("clock.busy." + std::to_string(d), std::bit_cast<std::uint64_t>(totals.busy[d]));
    for (std::size_t m = 0; m < totals.peak_bytes.size(); ++m)
      counters.emplace_back("clock.peak_bytes." + std::to_string(m), std::uint64_t(totals.peak_bytes[m]));
  }
  return checkpoint;
}

}  // namespace

Checkpoint capture_run_state(Trainer& trainer, std::string config_text) {
  return capture(trainer, std::move(config_text), [](const StateArray&) { return true; });
}

RankState capture_rank_state(Trainer& trainer, std::string config_text) {
  const RemoteLink& link = *trainer.graph().config().ranks.link;
  RankState mine;
  for (const StateArray& array : state_arrays(trainer)) mine.owners.push_back(array.rank);
  mine.state = capture(trainer, std::move(config_text), [&](const StateArray& array) {
    return array.rank ? *array.rank == link.rank() : link.is_root();
  });
  return mine;
}

void restore_run_state(Trainer& trainer, const Checkpoint& checkpoint, const fs::path& file) {
  require_compatible(checkpoint, run_fingerprint(trainer), file);
  const auto targets = arrays_held_here(trainer);
  require_arrays_fit(targets, state_arrays(trainer), checkpoint, file);

  if (checkpoint.epoch < 0 || checkpoint.epoch >= std::numeric_limits<int>::max())
    throw problem(file, "epoch count " + std::to_string(checkpoint.epoch) + " is out of range");
  CounterReader counters(checkpoint, file);
  RunPosition position{.epoch = int(checkpoint.epoch) + 1,
                       .batches_done = checkpoint.batch,
                       .next_batch_id = checkpoint.batches_total,
                       .tally = {},
                       .epoch_seconds = 0};
  position.tally.loss_sum = counters.take_double("tally.loss_sum");
  position.tally.correct = std::int64_t(counters.take("tally.correct"));
  position.tally.samples = std::int64_t(counters.take("tally.samples"));
  position.epoch_seconds = counters.take_double("epoch_seconds");
  std::vector<EpochRecord> history;
  for (int epoch = 1; epoch < position.epoch; ++epoch) {
    EpochRecord& record = history.emplace_back();
    record.epoch = epoch;
    for (const RecordField& field : record_fields) record.*field.member = counters.take_double(history_counter(epoch, field));
    for (int l = 0; l < trainer.graph().layer_count(); ++l)
      record.weight_norms.push_back(counters.take_double(weight_norm_counter(epoch, std::size_t(l))));
    const double angle = counters.take_double(feedback_angle_counter(epoch));
    if (!std::isnan(angle)) record.feedback_angle_degrees = angle;
  }
  // A run on the virtual clock continues its virtual time (virtual_clock.hpp, Totals).
  std::optional<VirtualClock::Totals> clock;
  if (Simulation* simulation = trainer.simulation()) {
    const VirtualClock::Totals fresh = simulation->clock().totals();
    clock = VirtualClock::Totals{.now = counters.take_double("clock.now"),
                                 .samples = std::int64_t(counters.take("clock.samples")),
                                 .visits = std::int64_t(counters.take("clock.visits")),
                                 .crossings = std::int64_t(counters.take("clock.crossings")),
                                 .crossing_bytes = std::size_t(counters.take("clock.crossing_bytes")),
                                 .busy = {},
                                 .peak_bytes = {}};
    for (std::size_t d = 0; d < fresh.busy.size(); ++d) clock->busy.push_back(counters.take_double("clock.busy." + std::to_string(d)));
    for (std::size_t m = 0; m < fresh.peak_bytes.size(); ++m)
      clock->peak_bytes.push_back(std::size_t(counters.take("clock.peak_bytes." + std::to_string(m))));
  }
  counters.require_all_taken();
  try {
    trainer.restore(position, std::move(history));
    if (clock) trainer.simulation()->clock().continue_from(*clock);
  } catch (const std::invalid_argument& error) {
    throw problem(file, std::string("saved position does not fit this run: ") + error.what());
  }
  // Only now, with everything checked, do the weights change.
  for (const auto& [name, target, rank] : targets) {
    const std::vector<float>& saved = *find_array(checkpoint, name);
    std::copy(saved.begin(), saved.end(), target.begin());
  }
}

}  // namespace pepita
