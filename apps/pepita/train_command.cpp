#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <mutex>
#include <optional>
#include <sstream>

#include "cli.hpp"
#include "mpi_job.hpp"
#include "data/dataset.hpp"
#include "data/zca_whitening.hpp"
#include "no_math_run.hpp"
#include "stop_signals.hpp"
#include "train/loss_growth_watch.hpp"
#include "train/simulation_report.hpp"
#include "train/checkpoint.hpp"
#include "graph/model_spec.hpp"
#include "layers/seconds_since.hpp"
#include "train/dataset_from_root.hpp"
#include "train/reports.hpp"
#include "train/rank_plan.hpp"
#include "train/run_state.hpp"
#include "train/trainer.hpp"
#include "train_options.hpp"
#include "training_session.hpp"

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
  out << "pepita train: rule " << c.rule.name() << ", " << train.shape.channels << "×" << train.shape.height << "×"
      << train.shape.width << "-" << expand_model(c.model, c.hidden, train.classes) << ", " << c.dataset << ", " << c.epochs << " epochs, batch " << c.batch_size << ", lr "
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

void print_epoch(std::ostream& out, const EpochRecord& r) {
  out << "epoch " << std::setw(3) << r.epoch << "  lr " << std::setw(7) << r.learning_rate << std::fixed
      << std::setprecision(4) << "  train loss " << r.train_loss << std::setprecision(2) << "  train acc "
      << std::setw(6) << r.train_accuracy << "%  test acc " << std::setw(6) << r.test_accuracy << "%  "
      << std::setprecision(3) << r.train_seconds << " s  " << std::setprecision(0) << r.samples_per_second
      << " samples/s" << std::defaultfloat << std::endl;
}

// The request of `--resume DIR`, from the configuration saved in `checkpoint`. A configuration
// that does not parse is a problem of the checkpoint (exit 1), not of the command line.
TrainRequest resumed_request(const std::vector<std::string>& args, const Checkpoint& checkpoint,
                             const std::filesystem::path& file) {
  try {
    return parse_resumed_options(args, checkpoint.config_text);
  } catch (const std::exception& error) {
    throw CheckpointError(file.string() + ": the saved configuration does not fit this program (" + error.what() +
                          "); it was saved by " + checkpoint.fingerprint);
  }
}

// What crossed between the ranks: per edge, and each rank's time inside MPI and memory.
std::string traffic_text(const TrainingGraph::Traffic& traffic, int ranks, const std::string& placement) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << ranks << " ranks, layers on ranks " << placement << ":\n";
  for (const TrainingGraph::Crossing& edge : traffic.edges)
    out << "  " << edge.from << " → " << edge.to << " (rank " << edge.from_rank << " → " << edge.to_rank << "): " << edge.messages
        << " messages, " << double(edge.bytes) / 1e6 << " MB, " << (edge.messages ? double(edge.bytes) / double(edge.messages) / 1e3 : 0.0)
        << " kB each\n";
  out << "  time in MPI calls:" << std::setprecision(3);
  for (std::size_t r = 0; r < traffic.transport_seconds.size(); ++r) out << (r ? "," : "") << " rank " << r << " " << traffic.transport_seconds[r] << " s";
  // Each rank holds only its own layers' weights: this shows what that leaves per rank.
  out << "\n  memory (MB):" << std::setprecision(1);
  for (std::size_t r = 0; r < traffic.weight_bytes.size(); ++r)
    out << (r ? ";" : "") << " rank " << r << " holds " << double(traffic.weight_bytes[r]) / 1e6 << " of weights, "
        << double(traffic.resident_bytes[r]) / 1e6 << " resident (peak " << double(traffic.peak_resident_bytes[r]) / 1e6 << ")";
  out << "\n";
  return out.str();
}

}  // namespace

int train_command(const std::vector<std::string>& args, std::ostream& shown, std::ostream& err) {
  TrainRequest request = parse_train_options(args);
  // Under mpirun every rank trains its part of the graph; the root reports for all of them.
  const MpiJob* job = current_job();
  std::ostringstream not_shown;
  std::ostream& out = job && !job->is_root() ? not_shown : shown;
  if (request.help) {
    out << "usage: pepita train [options]\n       pepita train --resume DIR [output options]\n\nTrains a network "
           "through the flow graph and reports test accuracy after every epoch.\n"
        << train_options_description();
    return exit_ok;
  }
  std::optional<Checkpoint> resumed;
  if (request.resume) {
    // Across ranks, each rank reads the manifest and its own part.
    resumed = job && job->spans_ranks() ? load_across_ranks(*request.resume, *job->link())
                                        : load_checkpoint(checkpoint_file(*request.resume));
    request = resumed_request(args, *resumed, checkpoint_file(*request.resume));
  }
  if (job && job->spans_ranks()) {
    request.config.link = job->link();
    request.quiet |= !job->is_root();
    // The ranks on one machine share its cores.
    if (request.config.scheduler.threads == 0) request.config.scheduler.threads = std::max(1, available_cores() / job->ranks_here());
  }
  const StopSignals stop_signals;  // from here on, SIGINT and SIGTERM stop after the batches in flight
  if (request.config.simulation.no_math) return train_without_math(request, stop_signals, out);
  const auto started = std::chrono::steady_clock::now();
  const DatasetPair data = [&] {
    const auto load = [&] {
      DatasetPair loaded = load_dataset(request.config.dataset, request.config.data_dir);
      // Before the session: the trainer keeps pointers into the images, and learns from what it is given.
      apply_whitening(request.config.whiten, loaded);
      return loaded;
    };
    // Only the root runs the input node, and only it reads the files; the other ranks score
    // against the labels alone, which they take from it.
    return job && job->spans_ranks() ? dataset_from_root(*job->link(), load) : load();
  }();
  TrainingSession session(request, data, std::move(resumed));
  const TrainConfig& config = session.request().config;
  Trainer& trainer = session.trainer();
  ProgressLine progress(err, config.epochs, trainer.graph());
  out << describe(config, data.train) << std::endl;
  if (session.resumed()) {
    const RunPosition at = trainer.position();
    out << "resuming " << request.resume->string() << ": " << at.epoch - 1 << " of " << config.epochs << " epochs done";
    if (at.epoch <= config.epochs) out << ", " << at.batches_done << " batches into epoch " << at.epoch;
    out << std::endl;
  }
  std::vector<std::string> layer_names;
  for (int l = 0; l < trainer.graph().layer_count(); ++l) layer_names.push_back(trainer.graph().layer(l).name());
  SessionHooks hooks{.on_epoch =
                         [&](const EpochRecord& r) {
                           print_epoch(out, r);
                           if (const auto warning = loss_growth_warning(trainer.history(), layer_names))
                             err << "pepita: warning: " << *warning << std::endl;
                         },
                     .stop_requested = [&] { return stop_signals.received() != 0; }};
  if (!request.quiet) hooks.on_progress = [&](const TrainingProgress& p) { progress.update(p); };
  if (!session.run(hooks)) {
    const std::string dir = session.checkpoint_dir() ? session.checkpoint_dir()->string() : "";
    err << (request.quiet ? "" : "\n") << "pepita: interrupted; "
        << (dir.empty() ? "no --checkpoint-dir, nothing saved" : "checkpoint saved in " + dir + " (resume with --resume " + dir + ")")
        << std::endl;
    return 128 + stop_signals.received();  // the shell's status for a death by that signal
  }
  session.write_outputs(seconds_since(started));
  out << scheduler_metrics_text(trainer);
  if (job && job->spans_ranks()) out << traffic_text(trainer.graph().traffic_at_root(), job->ranks(), describe_ranks(trainer.graph().config()));
  if (trainer.simulation()) out << simulation_text(*trainer.simulation()) << std::endl;
  out << "final test accuracy " << std::fixed << std::setprecision(2) << trainer.history().back().test_accuracy
      << "%, median " << std::setprecision(3) << median_epoch_seconds(trainer.history()) << " s per epoch"
      << std::defaultfloat << std::endl;
  return exit_ok;
}

}  // namespace pepita::cli
