#pragma once
// An experiment of `pepita reproduce`: the runs it needs, and what it makes of them once they
// have finished — a markdown table or caption beside the paper's values, a CSV, a figure. Every
// experiment is one file defining one of these; the registry lists them.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "gnuplot_figure.hpp"
#include "run_curves.hpp"
#include "run_plan.hpp"

namespace pepita::cli::reproduce {

// The four rules of the paper's Table 1, in its order.
inline const std::vector<std::string> paper_rules = {"bp", "fa", "drtp", "pepita"};
inline const std::vector<std::string> paper_datasets = {"mnist", "cifar10", "cifar100"};

// What an experiment reports; the header (command, machine, date) is added when it is written.
struct ExperimentReport {
  std::string title;     // the markdown's heading
  std::string markdown;  // the body: tables, the paper's values beside ours, notes
  std::string csv;       // the data behind the table and the figure
  Figure figure;
};

// The runs of the plan once they have finished, read back by what they are.
class FinishedRuns {
 public:
  FinishedRuns(const std::vector<PlannedRun>& runs, int seeds);
  // Seeds 0 … seeds−1 of one rule, model and data set, in seed order.
  std::vector<RunCurves> over_seeds(const std::string& rule, const std::string& model, const std::string& dataset) const;
  int seeds() const { return seeds_; }

 private:
  std::map<std::string, std::filesystem::path> metrics_by_label_;
  int seeds_;
};

struct Experiment {
  std::string name;     // what `pepita reproduce NAME` calls it
  std::string summary;  // one line for --help
  std::function<std::vector<RunSpec>(const ReproduceSettings&)> plan;
  std::function<ExperimentReport(const ReproduceSettings&, const FinishedRuns&)> report;
};

// Every experiment, in the order `all` runs them.
const std::vector<Experiment>& registered_experiments();

// The runs of one rule, model and data set for every seed.
std::vector<RunSpec> over_seeds(const std::string& rule, const std::string& model, const std::string& dataset,
                                const ReproduceSettings& settings);

// "98.01 ± 0.09" with `digits` after the point; only the mean for a single value.
std::string mean_std_text(const MeanStd& value, int digits);
std::string fixed(double value, int digits);

// The experiments, one file each.
Experiment table1_experiment();
Experiment curves_experiment();
Experiment norms_experiment();
Experiment alignment_experiment();
Experiment slowness_experiment();

}  // namespace pepita::cli::reproduce
