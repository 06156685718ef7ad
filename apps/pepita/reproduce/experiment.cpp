#include "experiment.hpp"

#include <cmath>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace pepita::cli::reproduce {

FinishedRuns::FinishedRuns(const std::vector<PlannedRun>& runs, const ReproduceSettings& settings)
    : settings_(settings) {
  for (const PlannedRun& run : runs) runs_by_label_.emplace(run.spec.label(), run);
}

Plan plan_experiments(const std::vector<Experiment>& experiments, const ReproduceSettings& settings) {
  Plan plan;
  std::map<std::string, std::size_t> by_key;
  for (const Experiment& experiment : experiments) {
    const std::vector<RunSpec> specs = experiment.plan(settings);
    plan.runs_per_experiment.push_back(specs.size());
    for (const RunSpec& spec : specs) {
      PlannedRun run = plan_run(spec, settings);
      plan.asked.push_back(run);
      const auto [known, first] = by_key.emplace(run.key, plan.runs.size());
      if (first) {
        plan.runs.push_back(std::move(run));
        continue;
      }
      RunVariant& shared = plan.runs[known->second].spec.variant;
      shared.timed = shared.timed || spec.variant.timed;
      shared.may_diverge = shared.may_diverge || spec.variant.may_diverge;
    }
  }
  return plan;
}

const PlannedRun& FinishedRuns::run(const RunSpec& spec) const {
  const auto found = runs_by_label_.find(spec.label());
  if (found == runs_by_label_.end()) throw std::logic_error("the run '" + spec.label() + "' was not planned");
  return found->second;
}

std::vector<RunCurves> FinishedRuns::over_seeds(const std::string& rule, const std::string& model,
                                                const std::string& dataset, const RunVariant& variant) const {
  std::vector<RunCurves> curves;
  for (int seed = 0; seed < settings_.seeds_of_model(model); ++seed) curves.push_back(read_run_curves(run({rule, model, dataset, seed, variant}).metrics()));
  return curves;
}

std::vector<SeedOutcome> FinishedRuns::outcomes(const RunSpec& seed_0, int seeds) const {
  std::vector<SeedOutcome> outcomes;
  for (int seed = 0; seed < seeds; ++seed) {
    RunSpec spec = seed_0;
    spec.seed = seed;
    const PlannedRun& planned = run(spec);
    SeedOutcome outcome{.seed = seed, .curves = std::nullopt, .divergence = planned.divergence()};
    // A run that diverged in its first epoch wrote no metrics; one that finished must have them.
    if (!outcome.divergence || std::filesystem::exists(planned.metrics()))
      outcome.curves = read_run_curves(planned.metrics());
    outcomes.push_back(std::move(outcome));
  }
  return outcomes;
}

std::vector<RunCurves> trained_to_the_end(const std::vector<SeedOutcome>& outcomes) {
  std::vector<RunCurves> finished;
  for (const SeedOutcome& outcome : outcomes)
    if (!outcome.divergence) finished.push_back(*outcome.curves);
  return finished;
}

MeanStd final_accuracy(const std::vector<RunCurves>& runs) {
  std::vector<double> finals;
  for (const RunCurves& run : runs) finals.push_back(run.column("test_accuracy").back());
  return mean_std(finals);
}

const std::vector<Experiment>& registered_experiments() {
  static const std::vector<Experiment> experiments = {table1_experiment(), curves_experiment(), norms_experiment(),
                                                      alignment_experiment(), slowness_experiment(),
                                                      ablations_experiment(), weights_experiment(),
                                                      whitening_experiment(), tsne_experiment(),
                                                      schedulers_experiment(), deep_experiment()};
  return experiments;
}

std::vector<RunSpec> over_seeds(const std::string& rule, const std::string& model, const std::string& dataset,
                                const ReproduceSettings& settings, const RunVariant& variant) {
  std::vector<RunSpec> specs;
  for (int seed = 0; seed < settings.seeds_of_model(model); ++seed) specs.push_back({rule, model, dataset, seed, variant});
  return specs;
}

int study_seeds(const ReproduceSettings& settings) {
  return settings.quick ? 1 : settings.study_seed_count.value_or(settings.seeds);
}

int timing_repeats(const ReproduceSettings& settings) {
  return settings.quick ? 1 : settings.repeat_count.value_or(study_seeds(settings));
}

std::string hidden_layers_option(int depth, int width) {
  std::string hidden;
  for (int layer = 0; layer < depth; ++layer) {
    if (layer > 0) hidden += ',';
    hidden += std::to_string(width);
  }
  return hidden;
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
