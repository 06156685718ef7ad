#pragma once
// What a run leaves behind: the per-epoch CSV, the JSON summary, and the progress line.
#include <filesystem>
#include <string>
#include <vector>

#include "train/config.hpp"
#include "train/trainer.hpp"

namespace pepita {

// Writes to a temporary file beside `path`, flushes it to disk, then renames it over `path`, so a
// reader or a crash sees either the old file or the new one, never half of one.
void write_file_atomically(const std::filesystem::path& path, const std::string& content);
// Throws what write_file_atomically would throw if it could not create its temporary beside `path`
// (or if `path` is a directory): the temporary is made and removed again, and `path` is left as it
// is. For an output a run writes after its first epoch or its last, checked before it trains.
void require_writable(const std::filesystem::path& path);

std::string metrics_csv(const std::vector<EpochRecord>& history);

struct RunFacts {
  std::string machine;  // e.g. "2 cores, AMD EPYC"
  double total_seconds = 0;
};
// The run's summary. `trainer` supplies the scheduler metrics: throughput, and per layer the
// update-locking latency, staleness and buffer bytes, and per node the busy fraction.
std::string summary_json(const TrainConfig& config, Trainer& trainer, const RunFacts& facts);
// The members every summary begins with, which name the run: version, rule, model, data set,
// hidden layers, epochs run and batch size; one a line, indented by two, each ending in ",\n".
std::string run_identity_json_members(const TrainConfig& config, std::size_t epochs);

// The same scheduler metrics as a few lines of text, one per layer and one for the nodes.
std::string scheduler_metrics_text(Trainer& trainer);

// Median of the per-epoch training times.
double median_epoch_seconds(const std::vector<EpochRecord>& history);

std::string describe_machine();

}  // namespace pepita
