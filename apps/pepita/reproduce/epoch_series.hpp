#pragma once
// An experiment that follows one column of the metrics CSV per epoch, for some rules on the fully
// connected MNIST model, as a mean ± std band over seeds: Fig. 3a (test accuracy), Fig. 3b (the
// angle between W₂W₁ and Fᵀ) and Fig. 3c (‖W₁‖). `pepita train` records all three after every
// epoch already, outside the training hot path (train/weight_statistics.hpp).
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "experiment.hpp"

namespace pepita::cli::reproduce {

struct RuleBand {
  std::string rule;
  EpochBand band;
};

struct EpochSeries {
  std::string name, summary, title;
  std::string column;   // in the metrics CSV
  std::string y_label;  // with its unit
  int digits = 2;       // in the table
  std::vector<std::string> rules;
  // What the paper says of this quantity, and what ours shows of the same, as markdown.
  std::function<std::string(const std::vector<RuleBand>&)> beside_the_paper;
};

Experiment epoch_series_experiment(EpochSeries series);

}  // namespace pepita::cli::reproduce
