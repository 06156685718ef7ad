#include "training_session.hpp"

#include <utility>

#include "cli.hpp"
#include "graph/rank_agreement.hpp"
#include "train/rank_checkpoint.hpp"
#include "train/reports.hpp"
#include "train/run_state.hpp"
#include "train/simulation_report.hpp"

namespace pepita::cli {

namespace {

// What a run saves of its configuration: what --config reads, and the checkpoint cadence.
std::string saved_configuration(const TrainRequest& request) {
  std::string text = config_text(request.config);
  if (request.checkpoint_every > 0) text += "checkpoint-every = " + std::to_string(request.checkpoint_every) + "\n";
  return text;
}

}  // namespace

std::filesystem::path prepare_checkpoint_file(const TrainRequest& request) {
  const std::filesystem::path file = checkpoint_file(*request.checkpoint_dir);
  std::error_code error;
  const bool resumed_here = request.resume && std::filesystem::equivalent(file, checkpoint_file(*request.resume), error);
  if (std::filesystem::exists(file) && !resumed_here)
    throw UsageError(file.string() + " already holds a checkpoint: continue it with --resume " +
                     request.checkpoint_dir->string() + ", or choose another --checkpoint-dir");
  std::filesystem::create_directories(*request.checkpoint_dir);
  return file;
}

TrainingSession::TrainingSession(TrainRequest request, const DatasetPair& data, std::optional<Checkpoint> resumed)
    : request_(std::move(request)), trainer_(request_.config, data), resumed_(resumed.has_value()) {
  // Checked before any training: the metrics are written after the first epoch, the summary and
  // the trace after the last, and a path that cannot take them would lose the run. Across ranks
  // only the root writes them, so the others learn of its failure through the agreement.
  const auto check_outputs = [&] {
    if (writes_files())
      for (const auto& output : {request_.metrics_csv, request_.summary_json, request_.trace_json})
        if (output) require_writable(*output);
    return true;
  };
  if (request_.config.link) agreed_across_ranks(*request_.config.link, check_outputs);
  else check_outputs();
  if (request_.checkpoint_dir) {
    // Each rank makes the directory on its own machine, so one rank alone can fail.
    const auto prepare = [&] { return prepare_checkpoint_file(request_); };
    save_file_ = request_.config.link ? agreed_across_ranks(*request_.config.link, prepare) : prepare();
    saved_configuration_ = saved_configuration(request_);
  }
  if (resumed && request_.config.link) {
    restore_across_ranks(trainer_, *resumed, checkpoint_file(*request_.resume));
  } else if (resumed) {
    restore_run_state(trainer_, *resumed, checkpoint_file(*request_.resume));
  }
  if (request_.trace_json) trainer_.enable_trace();
  if (request_.check_weights)
    for (int l = 0; l < trainer_.graph().layer_count(); ++l) trainer_.graph().layer(l).check_weights(LayerNode::WeightCheck::counted);
  if (save_file_) trainer_.on_safe_point(request_.checkpoint_every, [this] { save(); });
}

// Across ranks the root's report holds the whole run (TrainingGraph::gather_to_root), and the
// root writes the metrics, summary and trace; every rank writes its checkpoint part.
bool TrainingSession::writes_files() const {
  return !request_.config.link || request_.config.link->is_root();
}

void TrainingSession::save() {
  if (request_.config.link) {
    save_across_ranks(trainer_, saved_configuration_, *request_.checkpoint_dir);
  } else {
    save_checkpoint(*save_file_, capture_run_state(trainer_, saved_configuration_));
  }
}

void TrainingSession::write_metrics() {
  if (!request_.metrics_csv) return;
  const auto write = [&] {
    if (writes_files()) write_file_atomically(*request_.metrics_csv, metrics_csv(trainer_.history()));
    return true;
  };
  // The root writes; if it fails (a full disk), every rank must stop, not wait for its next run.
  if (request_.config.link) agreed_across_ranks(*request_.config.link, write);
  else write();
}

bool TrainingSession::run(const SessionHooks& hooks) {
  // A kill between a checkpoint and the metrics file leaves the file an epoch behind.
  if (resumed_ && !trainer_.history().empty()) write_metrics();
  trainer_.on_progress(hooks.on_progress);
  trainer_.stop_when(hooks.stop_requested);
  const bool finished = trainer_.run([&](const EpochRecord& record) {
    write_metrics();
    if (hooks.on_epoch) hooks.on_epoch(record);
  });
  if (!finished && save_file_) save();
  return finished;
}

void TrainingSession::write_outputs(double total_seconds) {
  if (!writes_files()) return;
  const RunFacts facts{describe_machine(), total_seconds};
  if (request_.summary_json) write_file_atomically(*request_.summary_json, summary_json(request_.config, trainer_, facts));
  if (request_.trace_json)
    write_file_atomically(*request_.trace_json, trainer_.simulation() ? simulation_chrome_trace(*trainer_.simulation())
                                                                      : trainer_.graph().chrome_trace_json());
}

}  // namespace pepita::cli
