#include <chrono>
#include <cstdio>
#include <iomanip>
#include <mutex>
#include <sstream>

#include "cli.hpp"
#include "data/dataset.hpp"
#include "train/reports.hpp"
#include "train/trainer.hpp"
#include "train_options.hpp"

namespace pepita::cli {

namespace {

std::string clock_time(double seconds) {
  const long s = long(seconds + 0.5);
  char text[32];
  std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  return text;
}

std::string describe(const TrainConfig& c, const Dataset& train) {
  std::ostringstream out;
  out << "pepita train: rule " << c.rule << ", " << c.model << " " << train.shape.size();
  for (int units : c.hidden) out << '-' << units;
  out << '-' << train.classes << ", " << c.dataset << ", " << c.epochs << " epochs, batch " << c.batch_size << ", lr "
      << c.learning_rate << ", scheduler " << c.scheduler.name << ", seed " << c.seed;
  return out.str();
}

// A progress line on stderr, redrawn at most a few times a second.
class ProgressLine {
 public:
  ProgressLine(std::ostream& err, int epochs, TrainingGraph& graph) : err_(err), epochs_(epochs), graph_(graph) {}
  void update(const TrainingProgress& p) {
    std::lock_guard lock(mutex_);
    const bool last = p.batches_done == p.batches_in_epoch;
    if (!last && p.seconds - drawn_at_ < 0.5) return;
    drawn_at_ = last ? 0 : p.seconds;
    const ScoreTally tally = graph_.peek_training_tally();
    const double rate = tally.samples / std::max(p.seconds, 1e-9);
    const double eta = p.seconds / double(p.batches_done) * double(p.batches_in_epoch - p.batches_done);
    err_ << "\repoch " << p.epoch << '/' << epochs_ << "  batch " << p.batches_done << '/' << p.batches_in_epoch
         << std::fixed << std::setprecision(4) << "  loss " << tally.mean_loss() << std::setprecision(2) << "  acc "
         << 100 * tally.accuracy() << "%  " << std::setprecision(0) << rate << " samples/s  ETA " << clock_time(eta)
         << std::defaultfloat << "   " << (last ? "\r" : "") << std::flush;
  }

 private:
  std::ostream& err_;
  int epochs_;
  TrainingGraph& graph_;
  std::mutex mutex_;
  double drawn_at_ = 0;
};

}  // namespace

int train_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const TrainRequest request = parse_train_options(args);
  if (request.help) {
    out << "usage: pepita train [options]\n\nTrains a network through the flow graph and reports test accuracy after "
           "every epoch.\n"
        << train_options_description();
    return exit_ok;
  }
  const TrainConfig& config = request.config;
  const auto started = std::chrono::steady_clock::now();
  const DatasetPair data = load_dataset(config.dataset, config.data_dir);
  Trainer trainer(config, data);
  ProgressLine progress(err, config.epochs, trainer.graph());
  if (request.trace_json) trainer.enable_trace();
  if (!request.quiet) trainer.on_progress([&](const TrainingProgress& p) { progress.update(p); });
  out << describe(config, data.train) << std::endl;

  trainer.run([&](const EpochRecord& r) {
    out << "epoch " << std::setw(3) << r.epoch << "  lr " << std::setw(7) << r.learning_rate << std::fixed
        << std::setprecision(4) << "  train loss " << r.train_loss << std::setprecision(2) << "  train acc "
        << std::setw(6) << r.train_accuracy << "%  test acc " << std::setw(6) << r.test_accuracy << "%  "
        << std::setprecision(3) << r.train_seconds << " s  " << std::setprecision(0) << r.samples_per_second
        << " samples/s" << std::defaultfloat << std::endl;
    if (request.metrics_csv) write_file_atomically(*request.metrics_csv, metrics_csv(trainer.history()));
  });
  const RunFacts facts{describe_machine(),
                       std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()};
  if (request.summary_json) write_file_atomically(*request.summary_json, summary_json(config, trainer, facts));
  if (request.trace_json) write_file_atomically(*request.trace_json, trainer.graph().chrome_trace_json());
  out << scheduler_metrics_text(trainer);
  out << "final test accuracy " << std::fixed << std::setprecision(2) << trainer.history().back().test_accuracy
      << "%, median " << std::setprecision(3) << median_epoch_seconds(trainer.history()) << " s per epoch"
      << std::defaultfloat << std::endl;
  return exit_ok;
}

}  // namespace pepita::cli
