#pragma once
// What a finished run measured, per epoch, read back from its metrics CSV; and the same quantity
// across seeds as mean ± std per epoch.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace pepita::cli::reproduce {

// A metrics CSV's columns by header name ("test_accuracy", "weight_norm_1",
// "feedback_angle_deg", …); an empty cell is NaN.
struct RunCurves {
  std::map<std::string, std::vector<double>> columns;
  // The column, or throws std::runtime_error naming the file's run.
  const std::vector<double>& column(const std::string& name) const;
  std::size_t epochs() const;
  std::filesystem::path source;
};

// Throws std::runtime_error naming the file if it is missing or not a metrics CSV.
RunCurves read_run_curves(const std::filesystem::path& metrics_csv);

// Mean and sample standard deviation (n − 1; 0 for one value) of some numbers.
struct MeanStd {
  double mean = 0;
  double std = 0;
  int count = 0;
};
MeanStd mean_std(const std::vector<double>& values);

// One column across runs, per epoch: the epochs every run has.
struct EpochBand {
  std::vector<double> epoch;
  std::vector<MeanStd> value;
};
EpochBand epoch_band(const std::vector<RunCurves>& runs, const std::string& column);

}  // namespace pepita::cli::reproduce
