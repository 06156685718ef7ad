#pragma once
// What a finished run's summary (`pepita train --summary`) measured of how it ran: throughput, and
// per layer the update-locking latency, staleness and the bytes it held. The metrics CSV has the
// per-epoch curves; these scheduler measurements are only in the summary.
#include <filesystem>
#include <string>
#include <vector>

#include "graph/layer_metrics.hpp"

namespace pepita::cli::reproduce {

struct LayerLocking {
  std::string name;  // the layer's name in the graph: "layer 1" … "output"
  Distribution latency_seconds;  // end of the layer's standard work on a batch → that batch's update applied
  Distribution latency_stages;   // the same on the logical clock: node visits on the batch's path
  Distribution staleness;        // updates that reached W_l between a batch's standard pass and its own
  double peak_soma_bytes = 0, peak_dendrite_bytes = 0, peak_stash_bytes = 0;
};

struct RunSummary {
  double samples_per_second = 0;  // over the training batches of the median epoch
  double test_accuracy = 0;       // after the last epoch [%]
  std::vector<LayerLocking> layers{};  // first hidden layer … output
};

// Throws std::runtime_error naming the file if it is missing or lacks the scheduler's metrics.
RunSummary read_run_summary(const std::filesystem::path& summary_json);

}  // namespace pepita::cli::reproduce
