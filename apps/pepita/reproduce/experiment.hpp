#pragma once
// An experiment of `pepita reproduce`: the runs it needs, and what it makes of them once they
// have finished — a markdown table or caption beside the paper's values, a CSV, a figure. Every
// experiment is one file defining one of these; the registry lists them.
#include <functional>
#include <map>
#include <optional>
#include <sstream>
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
// A figure beyond the first, drawn as NAME-suffix.svg and .png: a paper figure with several panels
// (Fig. 10's four fits, Fig. 4's two embeddings) is one panel per file.
struct ExtraFigure {
  std::string suffix;  // letters, digits and '-'
  Figure figure;
};

// The experiment writes its markdown and CSV straight into the report, table row by table row.
struct ExperimentReport {
  std::string title;              // the markdown's heading
  std::ostringstream markdown{};  // the body: tables, the paper's values beside ours, notes
  std::ostringstream csv{};       // the data behind the table and the figures
  Figure figure{};
  std::vector<ExtraFigure> more_figures{};
  // How long each run trained, for the header ("each 1 epoch of 3000 batches of 16"), when the
  // experiment sets it rather than --epochs.
  std::optional<std::string> run_length{};
};

// How one seed's run of a configuration ended. A run whose variant may diverge is finished either
// way: trained to the end, or stopped by `pepita train`'s divergence check.
struct SeedOutcome {
  int seed = 0;
  // Its metrics per epoch: every epoch's, or those before it diverged (none if it diverged in its
  // first epoch).
  std::optional<RunCurves> curves;
  std::optional<std::string> divergence;  // `pepita train`'s message, if it diverged
};

// The curves of the seeds that trained to the end, in seed order.
std::vector<RunCurves> trained_to_the_end(const std::vector<SeedOutcome>& outcomes);

// The runs of the plan once they have finished, read back by what they are.
class FinishedRuns {
 public:
  FinishedRuns(const std::vector<PlannedRun>& runs, const ReproduceSettings& settings);
  // Seeds 0 … N−1 of one rule, model, data set and variant, in seed order (N: the model's seeds).
  std::vector<RunCurves> over_seeds(const std::string& rule, const std::string& model, const std::string& dataset,
                                    const RunVariant& variant = {}) const;
  // Seeds 0 … seeds−1 of one configuration, each with how it ended: for the variants that may
  // diverge, where a diverged seed is a result to report rather than a failure.
  std::vector<SeedOutcome> outcomes(const RunSpec& seed_0, int seeds) const;
  // The run itself (its checkpoint holds the final weights). Throws std::logic_error if it was not
  // planned.
  const PlannedRun& run(const RunSpec& spec) const;
  // How many seeds of the fully connected runs (every experiment's but table1's conv cells).
  int seeds() const { return settings_.seeds; }

 private:
  std::map<std::string, PlannedRun> runs_by_label_;
  ReproduceSettings settings_;
};

struct Experiment {
  std::string name;     // what `pepita reproduce NAME` calls it
  std::string summary;  // one line for --help
  std::function<std::vector<RunSpec>(const ReproduceSettings&)> plan;
  std::function<ExperimentReport(const ReproduceSettings&, const FinishedRuns&)> report;
};

// Every experiment, in the order `all` runs them.
const std::vector<Experiment>& registered_experiments();

// The runs of the chosen experiments.
struct Plan {
  std::vector<PlannedRun> runs;                  // each configuration once: what is trained
  std::vector<PlannedRun> asked;                 // every experiment's, under its own label: what the reports read
  std::vector<std::size_t> runs_per_experiment;  // what each experiment reads, shared or not
};

// Every experiment's runs, each configuration once: `all` shares table1's runs with the figures,
// and deep's 1 × 1024 is table1's PEPITA run. A run asked for twice runs as the stricter asks: alone
// if either is timed, its divergence a result if either expects one.
Plan plan_experiments(const std::vector<Experiment>& experiments, const ReproduceSettings& settings);

// The runs of one rule, model, data set and variant for every seed.
std::vector<RunSpec> over_seeds(const std::string& rule, const std::string& model, const std::string& dataset,
                                const ReproduceSettings& settings, const RunVariant& variant = {});

// The seeds of a study whose every run is a different net (so none is shared with table1):
// --study-seeds, else --seeds, but one with --quick, to keep `reproduce all --quick` within CI's time.
int study_seeds(const ReproduceSettings& settings);

// The repeats of a timed study (schedulers'; each repeat is a seed): --repeats, else
// study_seeds(), one with --quick.
int timing_repeats(const ReproduceSettings& settings);

// `pepita train --hidden`'s value for `depth` hidden layers of `width` units: "256,256,256".
std::string hidden_layers_option(int depth, int width);

// Test accuracy after the last epoch, mean ± std over the runs.
MeanStd final_accuracy(const std::vector<RunCurves>& runs);

// "98.01 ± 0.09" with `digits` after the point; only the mean for a single value.
std::string mean_std_text(const MeanStd& value, int digits);
std::string fixed(double value, int digits);

// The experiments, one file each.
Experiment table1_experiment();
Experiment curves_experiment();
Experiment norms_experiment();
Experiment alignment_experiment();
Experiment slowness_experiment();
Experiment ablations_experiment();
Experiment weights_experiment();
Experiment whitening_experiment();
Experiment tsne_experiment();
Experiment schedulers_experiment();
Experiment deep_experiment();

}  // namespace pepita::cli::reproduce
