#pragma once
// One training run as `pepita train` makes it, for every front end (the command line and the Python
// module): a resumed checkpoint put back, checkpoints saved at safe points and when stopped, the
// metrics CSV rewritten after every epoch, and at the end the summary and the trace.
#include <filesystem>
#include <functional>
#include <optional>

#include "data/dataset.hpp"
#include "train/checkpoint.hpp"
#include "train/trainer.hpp"
#include "train_options.hpp"

namespace pepita::cli {

struct SessionHooks {
  std::function<void(const EpochRecord&)> on_epoch{};        // after the metrics file is rewritten
  std::function<void(const TrainingProgress&)> on_progress{};  // on a node thread, after every batch
  std::function<bool()> stop_requested{};                    // on a node thread: must be thread-safe
};

class TrainingSession {
 public:
  // `resumed` is the checkpoint the request's configuration was read from (request.resume is then
  // set). `data` must outlive the session. Throws UsageError when the checkpoint directory already
  // holds a run that this one does not continue: overwriting it would lose that run.
  TrainingSession(TrainRequest request, const DatasetPair& data, std::optional<Checkpoint> resumed);

  // Trains the epochs left. Returns false when stopped on request, after saving the checkpoint if the
  // request names a directory.
  bool run(const SessionHooks& hooks);
  // Writes the summary and the trace that the request asks for; call after run() returned true.
  void write_outputs(double total_seconds);

  Trainer& trainer() { return trainer_; }
  const TrainRequest& request() const { return request_; }
  bool resumed() const { return resumed_; }
  // The directory checkpoints go to, if any.
  const std::optional<std::filesystem::path>& checkpoint_dir() const { return request_.checkpoint_dir; }

 private:
  void save();
  void write_metrics();
  bool writes_files() const;

  TrainRequest request_;
  Trainer trainer_;
  bool resumed_;
  std::optional<std::filesystem::path> save_file_;
  std::string saved_configuration_;
};

// The file a run saves itself in, its directory made. Throws UsageError as the constructor says.
std::filesystem::path prepare_checkpoint_file(const TrainRequest& request);

}  // namespace pepita::cli
