// Checkpoints of a Trainer: a run saved at any safe point and continued in a fresh trainer ends
// bit-identical to a run that never stopped; a checkpoint that does not fit the run is refused
// with one line, never loaded.
#include <doctest/doctest.h>

#include <atomic>
#include <bit>
#include <cmath>
#include <fstream>
#include <limits>
#include <memory>

#include "graph/divergence.hpp"
#include "tests/data/data_files.hpp"
#include "tests/graph/tiny_problem.hpp"
#include "train/checkpoint.hpp"
#include "train/run_state.hpp"
#include "train/trainer.hpp"

namespace pepita {
namespace {

namespace fs = std::filesystem;
using testing::tiny_config;
using testing::tiny_pair;

// run_state treats the configuration text as opaque; the command line writes and reads it.
const std::string config_text = "rule = whatever the command line saved\n";

TrainConfig three_epochs(const std::string& rule) {
  TrainConfig config = tiny_config();
  config.rule = rule;
  config.epochs = 3;
  config.decay_epochs = {2};  // so that a resumed run must also get the rate right
  config.learning_rate = 0.02;  // tiny_config's large F diverges in three epochs at 0.1
  config.scheduler.dnnl_threads = 1;
  return config;
}

// Every array of the state as bit patterns: bit-identical means equal here (-0 ≠ 0, NaN = NaN).
std::vector<std::pair<std::string, std::vector<std::uint32_t>>> state_bits(Trainer& trainer) {
  std::vector<std::pair<std::string, std::vector<std::uint32_t>>> bits;
  for (const auto& [name, values] : capture_run_state(trainer, config_text).arrays) {
    auto& array = bits.emplace_back(name, std::vector<std::uint32_t>{}).second;
    for (float value : values) array.push_back(std::bit_cast<std::uint32_t>(value));
  }
  return bits;
}

// The history's deterministic columns (the metrics CSV's first six) as bit patterns.
std::vector<std::vector<std::uint64_t>> history_bits(const Trainer& trainer) {
  std::vector<std::vector<std::uint64_t>> rows;
  for (const EpochRecord& r : trainer.history())
    rows.push_back({std::uint64_t(r.epoch), std::bit_cast<std::uint64_t>(r.learning_rate),
                    std::bit_cast<std::uint64_t>(r.train_loss), std::bit_cast<std::uint64_t>(r.train_accuracy),
                    std::bit_cast<std::uint64_t>(r.test_loss), std::bit_cast<std::uint64_t>(r.test_accuracy),
                    std::bit_cast<std::uint64_t>(r.feedback_angle_degrees.value_or(-1))});
  return rows;
}

// A checkpoint's trip through a file, as a resumed process sees it.
Checkpoint through_file(const Checkpoint& checkpoint, const fs::path& file) {
  save_checkpoint(file, checkpoint);
  return load_checkpoint(file);
}

// The message of the CheckpointError that restoring `checkpoint` into a trainer for `config`
// throws, checked to be one line that starts with the file.
std::string restore_error(const TrainConfig& config, const DatasetPair& data, const Checkpoint& checkpoint) {
  const fs::path file = "/runs/a/checkpoint.pepita";
  Trainer trainer(config, data);
  return testing::one_line_error<CheckpointError>([&] { restore_run_state(trainer, checkpoint, file); }, file);
}

}  // namespace

// Trains to the end, saving at every safe point, 5 batches apart; returns the saves.
std::vector<Checkpoint> run_saving_every_5(Trainer& saving) {
  std::vector<Checkpoint> saves;
  saving.on_safe_point(5, [&] { saves.push_back(capture_run_state(saving, config_text)); });
  REQUIRE(saving.run({}));
  return saves;
}

// A fresh trainer restored from `saved` through `file`, checked to hold exactly what was saved.
std::unique_ptr<Trainer> resumed_from(const TrainConfig& config, const DatasetPair& data, const Checkpoint& saved,
                                      const fs::path& file) {
  auto resumed = std::make_unique<Trainer>(config, data);
  restore_run_state(*resumed, through_file(saved, file), file);
  CHECK(capture_run_state(*resumed, config_text) == saved);
  return resumed;
}

TEST_CASE("a run saved at any safe point and resumed in a fresh trainer ends bit-identical, for every rule") {
  const DatasetPair data = tiny_pair(60);  // 12 batches of 5 per epoch
  const test::TempDir dir;
  std::vector<TrainConfig> configs;
  for (std::string rule : {"pepita", "pepita-mixed-tl", "bp", "fa", "dfa", "drtp"}) configs.push_back(three_epochs(rule));
  // And with F learning: mirrored alone in epoch 1, then with W in epoch 2.
  TrainConfig mirrored = three_epochs("pepita");
  mirrored.pepita.f_init = FeedbackInit::factored;
  mirrored.pepita.mirror = {.every = 2, .pre_epochs = 1};
  configs.push_back(mirrored);
  for (const TrainConfig& config : configs) {
    CAPTURE(config.rule.name());
    CAPTURE(config.pepita.mirror.on());
    Trainer reference(config, data);
    REQUIRE(reference.run({}));

    // Saved after batches 5 and 10 of every epoch (chunks of 5, 5, 2) and at every epoch's end.
    Trainer saving(config, data);
    const std::vector<Checkpoint> saves = run_saving_every_5(saving);
    CHECK(saves.size() == 9);
    // Chunks are the same computation as whole epochs.
    CHECK(state_bits(saving) == state_bits(reference));
    CHECK(history_bits(saving) == history_bits(reference));

    for (const Checkpoint& saved : saves) {
      CAPTURE(saved.epoch);
      CAPTURE(saved.batch);
      const std::unique_ptr<Trainer> resumed = resumed_from(config, data, saved, dir / "checkpoint.pepita");
      // It trains only what is left: a fresh start would end the same way.
      std::int64_t trained = 0;
      resumed->on_progress([&](const TrainingProgress&) { ++trained; });
      REQUIRE(resumed->run({}));
      CHECK(trained == 3 * 12 - (saved.epoch * 12 + saved.batch));
      CHECK(state_bits(*resumed) == state_bits(reference));
      CHECK(history_bits(*resumed) == history_bits(reference));
    }
  }
}

TEST_CASE("a run on the virtual clock resumed at any safe point ends with the uninterrupted run's simulated figures") {
  const DatasetPair data = tiny_pair(60);
  const test::TempDir dir;
  for (std::string rule : {"pepita", "bp"}) {
    CAPTURE(rule);
    TrainConfig config = three_epochs(rule);
    config.simulation.clock = RunClock::virtual_devices;
    config.simulation.devices = 2;
    config.simulation.cost = "flops";
    config.simulation.device_gflops = 1e-3;
    Trainer saving(config, data);
    const std::vector<Checkpoint> saves = run_saving_every_5(saving);
    REQUIRE(saves.size() == 9);
    const VirtualClock::Totals whole = saving.simulation()->clock().totals();
    CHECK(whole.samples == 3 * 60);
    for (const Checkpoint& saved : saves) {
      CAPTURE(saved.epoch);
      CAPTURE(saved.batch);
      const std::unique_ptr<Trainer> resumed = resumed_from(config, data, saved, dir / "checkpoint.pepita");
      REQUIRE(resumed->run({}));
      // The same visits summed in the same order: equal to the bit.
      const VirtualClock::Totals end = resumed->simulation()->clock().totals();
      CHECK(end.now == whole.now);
      CHECK(end.samples == whole.samples);
      CHECK(end.visits == whole.visits);
      CHECK(end.crossings == whole.crossings);
      CHECK(end.crossing_bytes == whole.crossing_bytes);
      CHECK(end.busy == whole.busy);
      CHECK(end.peak_bytes == whole.peak_bytes);
      CHECK(state_bits(*resumed) == state_bits(saving));
    }
  }
}

TEST_CASE("a stop request ends the run at the next chunk boundary, and it resumes from there") {
  const DatasetPair data = tiny_pair(60);
  const TrainConfig config = three_epochs("pepita");
  Trainer reference(config, data);
  reference.run({});

  Trainer stopping(config, data);
  int saves = 0;
  stopping.on_safe_point(4, [&] { ++saves; });
  stopping.stop_when([&] { return saves == 4; });  // batches 4 and 8, the end of epoch 1, batch 4 of epoch 2
  CHECK_FALSE(stopping.run({}));
  const RunPosition stopped = stopping.position();
  CHECK(stopped.epoch == 2);
  CHECK(stopped.batches_done == 4);
  CHECK(stopped.next_batch_id == 16);
  CHECK(stopped.tally.samples == 20);
  CHECK(stopping.history().size() == 1);
  CHECK_THROWS_AS(stopping.run_epoch(2), TrainingStopped);  // still asked to stop
  CHECK(stopping.position().batches_done == 4);

  Trainer resumed(config, data);
  restore_run_state(resumed, capture_run_state(stopping, config_text), "in memory");
  std::int64_t trained = 0;
  resumed.on_progress([&](const TrainingProgress&) { ++trained; });
  CHECK(resumed.run({}));
  CHECK(trained == 3 * 12 - 16);
  CHECK(state_bits(resumed) == state_bits(reference));
  CHECK(history_bits(resumed) == history_bits(reference));
}

TEST_CASE("a stop request inside a chunk ends the run after the batches in flight, and it resumes from there") {
  const DatasetPair data = tiny_pair(60);  // 12 batches of 5 per epoch, one chunk each: no safe points
  const TrainConfig config = three_epochs("pepita");
  Trainer reference(config, data);
  reference.run({});

  Trainer stopping(config, data);
  std::atomic<int> finished{0};  // the progress hook and the stop check both run on node threads
  stopping.on_progress([&](const TrainingProgress&) { ++finished; });
  stopping.stop_when([&] { return finished == 12 + 5; });
  CHECK_FALSE(stopping.run({}));
  CHECK(stopping.position().epoch == 2);
  CHECK(stopping.position().batches_done == 5);  // sequential: one batch in flight
  CHECK(stopping.position().next_batch_id == 17);

  Trainer resumed(config, data);
  restore_run_state(resumed, capture_run_state(stopping, config_text), "in memory");
  CHECK(resumed.run({}));
  CHECK(state_bits(resumed) == state_bits(reference));
  CHECK(history_bits(resumed) == history_bits(reference));

  SUBCASE("pipelined: the batches already admitted finish") {
    TrainConfig pipelined = config;
    pipelined.scheduler.name = "pipelined";
    pipelined.scheduler.in_flight = 3;
    pipelined.scheduler.threads = 2;
    Trainer run(pipelined, data);
    std::atomic<int> done{0};
    run.on_progress([&](const TrainingProgress&) { ++done; });
    run.stop_when([&] { return done >= 5; });
    CHECK_FALSE(run.run({}));
    CHECK(run.position().batches_done >= 5);
    CHECK(run.position().batches_done <= 5 + 2);
    CHECK(run.position().batches_done == done);
    CHECK(run.graph().batches_held() == 0);
  }
  SUBCASE("gpipe: only between groups of micro-batches") {
    TrainConfig gpipe = config;
    gpipe.scheduler.name = "gpipe";
    gpipe.scheduler.micro_batches = 3;
    Trainer run(gpipe, data);
    std::atomic<int> done{0};
    run.on_progress([&](const TrainingProgress&) { ++done; });
    run.stop_when([&] { return done >= 4; });
    CHECK_FALSE(run.run({}));
    CHECK(run.position().batches_done == 6);
  }
}

TEST_CASE("under gpipe a chunk holds whole groups of micro-batches") {
  const DatasetPair data = tiny_pair(48);  // 12 batches of 4
  TrainConfig config = three_epochs("pepita");
  config.batch_size = 4;
  config.scheduler.name = "gpipe";
  config.scheduler.micro_batches = 3;
  config.scheduler.threads = 2;
  Trainer reference(config, data);
  reference.run({});

  Trainer saving(config, data);
  std::vector<Checkpoint> saves;
  saving.on_safe_point(4, [&] { saves.push_back(capture_run_state(saving, config_text)); });
  CHECK(saving.chunk_batches() == 6);  // 4 rounded up to a multiple of 3
  saving.run({});
  REQUIRE(saves.size() == 6);
  CHECK(saves[0].batch == 6);
  // The groups, and so the updates, are those of the unchunked run; layers run concurrently under
  // gpipe, so sums may associate differently and only agree to rounding.
  Trainer resumed(config, data);
  restore_run_state(resumed, saves[0], "in memory");
  resumed.run({});
  const Checkpoint expected = capture_run_state(reference, config_text);
  const Checkpoint found = capture_run_state(resumed, config_text);
  for (std::size_t a = 0; a < expected.arrays.size(); ++a)
    for (std::size_t k = 0; k < expected.arrays[a].second.size(); ++k)
      REQUIRE(std::abs(expected.arrays[a].second[k] - found.arrays[a].second[k]) < 1e-5f);
}

TEST_CASE("a checkpoint of another run is refused with one line naming what differs") {
  const DatasetPair data = tiny_pair(60);
  const TrainConfig config = three_epochs("pepita");
  Trainer trainer(config, data);
  trainer.run_epoch(1);
  const Checkpoint saved = capture_run_state(trainer, config_text);
  CHECK(saved.fingerprint ==
        "version=" PEPITA_VERSION " rule=pepita model=fc dataset=mnist layers=12-8-6-4 scheduler=sequential");

  TrainConfig other = config;
  other.hidden = {8, 5};
  CHECK(restore_error(other, data, saved).find("layers expected 12-8-5-4, found 12-8-6-4") != std::string::npos);
  other = config;
  other.rule = "bp";
  CHECK(restore_error(other, data, saved).find("rule expected bp, found pepita") != std::string::npos);
  other = config;
  other.scheduler.name = "pipelined";
  CHECK(restore_error(other, data, saved).find("scheduler expected pipelined, found sequential") != std::string::npos);
  Checkpoint older = saved;
  older.fingerprint.replace(older.fingerprint.find(PEPITA_VERSION), std::string(PEPITA_VERSION).size(), "0.0.1");
  CHECK(restore_error(config, data, older).find("version expected " PEPITA_VERSION ", found 0.0.1") != std::string::npos);
}

TEST_CASE("a checkpoint whose arrays, counters or position do not fit the run is refused") {
  const DatasetPair data = tiny_pair(60);
  const TrainConfig config = three_epochs("pepita");
  Trainer trainer(config, data);
  std::optional<Checkpoint> mid_epoch;
  trainer.on_safe_point(5, [&] { if (!mid_epoch) mid_epoch = capture_run_state(trainer, config_text); });
  trainer.run_epoch(1);
  REQUIRE(mid_epoch);
  const Checkpoint& good = *mid_epoch;
  REQUIRE(good.batch == 5);

  Checkpoint bad = good;
  bad.arrays[0].second.pop_back();
  CHECK(restore_error(config, data, bad).find("array W1 holds 95 values, this run's holds 96") != std::string::npos);
  bad = good;
  bad.arrays.erase(bad.arrays.begin() + 1);
  CHECK(restore_error(config, data, bad).find("checkpoint has no array V1") != std::string::npos);
  bad = good;
  bad.arrays.emplace_back("B9", std::vector<float>{1.0f});
  CHECK(restore_error(config, data, bad).find("unexpected array B9") != std::string::npos);
  bad = good;
  bad.arrays.push_back(bad.arrays.front());
  CHECK(restore_error(config, data, bad).find("array W1 appears twice") != std::string::npos);
  bad = good;
  std::erase_if(bad.counters, [](const auto& c) { return c.first == "tally.correct"; });
  CHECK(restore_error(config, data, bad).find("checkpoint has no counter tally.correct") != std::string::npos);
  bad = good;
  bad.counters.emplace_back("rng.state", 42);
  CHECK(restore_error(config, data, bad).find("unexpected counter rng.state") != std::string::npos);
  bad = good;
  bad.batch = 12;  // the epoch's end is saved only after its evaluation, as the next epoch's start
  CHECK(restore_error(config, data, bad).find("outside the epoch's 12 batches") != std::string::npos);
  bad = good;
  bad.epoch = 2;  // two epochs done, but the history holds none
  CHECK(restore_error(config, data, bad).find("checkpoint has no counter history.1.lr") != std::string::npos);
  bad = good;
  bad.epoch = std::numeric_limits<std::int64_t>::max();
  CHECK(restore_error(config, data, bad).find("out of range") != std::string::npos);
}

TEST_CASE("a damaged or truncated checkpoint file is an error, never a silent load") {
  const DatasetPair data = tiny_pair(60);
  Trainer trainer(three_epochs("pepita"), data);
  trainer.run_epoch(1);
  const test::TempDir dir;
  const fs::path file = dir / "checkpoint.pepita";
  save_checkpoint(file, capture_run_state(trainer, config_text));
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const auto load_error = [&](const std::string& content) {
    test::write_file(file, test::Bytes(content.begin(), content.end()));
    std::string message;
    try {
      load_checkpoint(file);
    } catch (const CheckpointError& error) {
      message = error.what();
    }
    CHECK(message.starts_with(file.string() + ": "));
    CHECK(message.find('\n') == std::string::npos);
    return message;
  };
  std::string flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x10;  // a bit of some weight
  CHECK(load_error(flipped).find("checksum") != std::string::npos);
  CHECK_FALSE(load_error(bytes.substr(0, bytes.size() / 2)).empty());
}

TEST_CASE("a diverging run saves nothing after the failure, so the last good checkpoint stays") {
  const DatasetPair data = tiny_pair(60);
  Trainer trainer(three_epochs("pepita"), data);
  int saves = 0;
  trainer.on_safe_point(5, [&] { ++saves; });
  trainer.run_epoch(1);
  CHECK(saves == 3);
  // In the output layer: a hidden ReLU would turn the NaN into 0.
  TrainingGraph& graph = trainer.graph();
  graph.layer(graph.layer_count() - 1).layer().weights()[0] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_AS(trainer.run_epoch(2), Divergence);
  CHECK(saves == 3);
}

}  // namespace pepita
