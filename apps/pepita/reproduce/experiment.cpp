#include "experiment.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace pepita::cli::reproduce {

FinishedRuns::FinishedRuns(const std::vector<PlannedRun>& runs, int seeds) : seeds_(seeds) {
  for (const PlannedRun& run : runs) metrics_by_label_[run.spec.label()] = run.metrics();
}

std::vector<RunCurves> FinishedRuns::over_seeds(const std::string& rule, const std::string& model,
                                                const std::string& dataset) const {
  std::vector<RunCurves> curves;
  for (int seed = 0; seed < seeds_; ++seed) {
    const std::string label = RunSpec{rule, model, dataset, seed}.label();
    const auto found = metrics_by_label_.find(label);
    if (found == metrics_by_label_.end()) throw std::logic_error("the run '" + label + "' was not planned");
    curves.push_back(read_run_curves(found->second));
  }
  return curves;
}

const std::vector<Experiment>& registered_experiments() {
  static const std::vector<Experiment> experiments = {table1_experiment(), curves_experiment(), norms_experiment(),
                                                      alignment_experiment(), slowness_experiment()};
  return experiments;
}

std::vector<RunSpec> over_seeds(const std::string& rule, const std::string& model, const std::string& dataset,
                                const ReproduceSettings& settings) {
  std::vector<RunSpec> specs;
  for (int seed = 0; seed < settings.seeds; ++seed) specs.push_back({rule, model, dataset, seed});
  return specs;
}

std::string fixed(double value, int digits) {
  if (!std::isfinite(value)) return "—";
  std::ostringstream text;
  text.setf(std::ios::fixed);
  text.precision(digits);
  text << value;
  return text.str();
}

std::string mean_std_text(const MeanStd& value, int digits) {
  if (value.count < 2) return fixed(value.mean, digits);
  return fixed(value.mean, digits) + " ± " + fixed(value.std, digits);
}

}  // namespace pepita::cli::reproduce
