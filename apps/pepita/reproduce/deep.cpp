// `deep`: the depth study of issue 13 — PEPITA with 1 … 4 hidden layers of 1024 and 8 of 256 on
// MNIST, test accuracy over seeds beside the targets. Each depth runs at the setting
// docs/deep-pepita.md found best for it: no one setting serves every depth (the paper's η 0.1 meets
// the 2 × 1024 target and diverges at 3 × 1024; deeper nets train only with each sample's activity
// normalised), and a study that reported a miss where a setting meeting the target is known would
// misreport the rule. A run that diverges is a result, recorded and shown, never dropped silently.
#include <algorithm>
#include <cmath>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "datasets_on_disk.hpp"
#include "epoch_figure.hpp"
#include "experiment.hpp"

namespace pepita::cli::reproduce {

namespace {

constexpr const char* deep_dataset = "mnist";

struct DeepNet {
  int depth = 0;  // hidden layers
  int width = 0;  // units in each
  std::optional<double> target{};  // issue 13's test accuracy to reach [%], where it sets one
  std::string name() const { return std::to_string(depth) + " × " + std::to_string(width); }
  std::string legend() const {
    return std::to_string(depth) + (depth == 1 ? " hidden layer of " : " hidden layers of ") + std::to_string(width);
  }
};

// --quick trains nets far smaller than the targets' on a few batches, so it sets no target. Its
// depths 1 and 3 run one net at each kind of setting (deep_setting), so that both are exercised.
std::vector<DeepNet> deep_nets(const ReproduceSettings& settings) {
  if (settings.quick) return {{1, 32}, {3, 32}};
  return {{1, 1024}, {2, 1024, 98.0}, {3, 1024, 98.0}, {4, 1024, 97.8}, {8, 256, 97.0}};
}

// The `pepita train` options a depth runs with, and the finding of docs/deep-pepita.md ("The
// targets on MNIST" and its study) that chose them.
struct DeepSetting {
  int depth = 0;
  std::string name;                  // short, for the run's directory, the CSV and the legends
  std::vector<std::string> options;  // --preset first
  std::string why;                   // one sentence, for the report
  std::string command_line() const {
    std::string text;
    for (const std::string& option : options) text += (text.empty() ? "" : " ") + option;
    return text;
  }
};

// Each hidden activity divided by the sample's own norm, without weight decay (which shrinks a
// normalised layer's W until its steps break it): the setting that trains 3 and more hidden layers
// (docs/deep-pepita.md, "Each sample's activity normalised").
std::vector<std::string> normalised(const std::string& preset, const std::string& learning_rate,
                                    std::vector<std::string> more = {}) {
  std::vector<std::string> options = {"--preset",      preset, "--normalize-activity", "--normalize-over", "sample",
                                      "--weight-decay", "0",    "--lr",                 learning_rate};
  options.insert(options.end(), more.begin(), more.end());
  return options;
}

const std::vector<DeepSetting> deep_settings = {
    {1, "paper", {"--preset", "paper"},
     "docs/deep-pepita.md trains 784-1024-10 with it to 97.93 ± 0.04 % over three seeds, the paper's own net "
     "and setting (98.01 ± 0.09 in the paper)."},
    {2, "paper", {"--preset", "paper"},
     "docs/deep-pepita.md meets issue 13's target with it, 98.23 % (seed 0), against 96.87 % at `--preset followup`."},
    {3, "sample-norm", normalised("followup", "1"),
     "docs/deep-pepita.md: the paper's η 0.1 diverges in epoch 1 at 3 × 1024 and the follow-up's preset stops at "
     "96.8 % (one seed of three diverged); with each sample's activity normalised and no weight decay it trains at η 1 "
     "to 98.03 % (seed 0)."},
    {4, "sample-norm", normalised("followup", "1"),
     "docs/deep-pepita.md: 3 × 1024's setting trains it to 97.85 % (seed 0)."},
    {8, "paper-sample-norm-eta0.3-dropout0.05", normalised("paper", "0.3", {"--dropout", "0.05", "--decay-epochs", "30,50"}),
     "docs/deep-pepita.md: every setting of its first study diverged or learnt nothing (at most 18.5 %) at 8 × 256; "
     "with each sample's activity normalised and no weight decay it trains from the paper's preset, best at η 0.3 with "
     "5 % dropout and η × 0.1 after epochs 30 and 50 (96.61 ± 0.02 % over seeds 0–2; 95.99 % at η 0.1 without "
     "dropout), 0.4 short of the target."},
};

const DeepSetting& deep_setting(int depth) {
  for (const DeepSetting& setting : deep_settings)
    if (setting.depth == depth) return setting;
  throw std::logic_error("deep: no setting chosen for " + std::to_string(depth) + " hidden layers");
}

RunVariant deep_variant(const DeepNet& net) {
  const DeepSetting& setting = deep_setting(net.depth);
  std::vector<std::string> options = setting.options;
  options.insert(options.end(), {"--hidden", hidden_layers_option(net.depth, net.width)});
  return {.name = setting.name + "-h" + std::to_string(net.width) + "x" + std::to_string(net.depth),
          .options = std::move(options),
          .may_diverge = true};
}

std::vector<RunSpec> deep_plan(const ReproduceSettings& settings) {
  if (const auto missing = missing_file(deep_dataset, settings.data_dir))
    throw std::runtime_error("deep needs MNIST: no " + *missing + " under " + settings.data_dir.string());
  std::vector<RunSpec> specs;
  for (const DeepNet& net : deep_nets(settings))
    for (int seed = 0; seed < study_seeds(settings); ++seed)
      specs.push_back({"pepita", "fc", deep_dataset, seed, deep_variant(net)});
  return specs;
}

// Issue 13 asks for the target without divergence: a net meets it only if every seed trained to
// the end and their mean reaches it.
std::string deep_verdict(const DeepNet& net, const MeanStd& finished, std::size_t diverged) {
  if (!net.target) return "—";
  if (diverged > 0) return "✘ missed (" + std::to_string(diverged) + (diverged == 1 ? " seed" : " seeds") + " diverged)";
  return finished.mean >= *net.target ? "✔ met" : "✘ missed";
}

ExperimentReport deep_report(const ReproduceSettings& settings, const FinishedRuns& runs) {
  const int seeds = study_seeds(settings);
  ExperimentReport out;
  out.title = "Deep PEPITA (issue 13): test accuracy against depth, each depth at its best setting";
  out.figure = epoch_figure("Deep PEPITA, each depth at its best setting: test accuracy per epoch");
  std::ostream& md = out.markdown;
  std::ostringstream divergences, settings_chosen;
  md << "PEPITA on fully connected MNIST nets, each depth at the setting docs/deep-pepita.md found best for it "
        "(its options and why, below the table), on top of `pepita train --preset paper` (the paper's Table 2: η 0.1, "
        "momentum 0.9, η ×0.1 after epoch 60, dropout 10 %, He-uniform W, uniform F) or `--preset followup` (η 0.01, "
        "momentum 0.9, weight decay 10⁻⁴, η ×0.1 after epochs 61 and 91, dropout 10 %, He-normal W, factored F); "
     << settings.epochs_per_run() << (settings.epochs_per_run() == 1 ? " epoch, " : " epochs, ") << seeds
     << (seeds == 1 ? " seed" : " seeds")
     << ". A target is met when every seed trains without diverging and their mean reaches it; a diverged seed is "
        "listed. The first figure gives the test curves (band: ± std over the seeds that finished; dashed: a "
        "diverged seed's epochs before it diverged), the second the final accuracy of each net beside its "
        "target.\n\n"
     << "| hidden layers × units | setting | seeds trained to the end | test accuracy after the last epoch [%] | best "
        "epoch's [%] | issue 13's target [%] | verdict |\n|---|---|---|---|---|---|---|\n";
  out.csv << "depth,width,setting,seed,epoch,test_accuracy,train_loss,diverged\n";
  // Final accuracy per net on a categorical axis: 4 × 1024 and 8 × 256 differ in width as well.
  Figure finals;
  finals.title = "Deep PEPITA, each depth at its best setting: final test accuracy and issue 13's targets";
  finals.x_label = "hidden layers × units";
  finals.y_label = "test accuracy after the last epoch [%]";
  Series measured{.title = "ours (± std over seeds)", .style = SeriesStyle::points_with_error_bars, .colour = 0};
  Series targets{.title = "target", .style = SeriesStyle::points, .colour = 10};
  double lowest = 100;
  const std::vector<DeepNet> nets = deep_nets(settings);
  for (std::size_t n = 0; n < nets.size(); ++n) {
    const DeepNet& net = nets[n];
    const DeepSetting& setting = deep_setting(net.depth);
    settings_chosen << "- " << net.name() << ", " << setting.name << " (`" << setting.command_line() << "`): " << setting.why << "\n";
    const std::vector<SeedOutcome> outcomes = runs.outcomes({"pepita", "fc", deep_dataset, 0, deep_variant(net)}, seeds);
    const std::vector<RunCurves> finished = trained_to_the_end(outcomes);
    std::size_t diverged = 0;
    for (const auto& [seed, curves, divergence] : outcomes) {
      if (curves) {
        const std::vector<double>& accuracy = curves->column("test_accuracy");
        const std::vector<double>& loss = curves->column("train_loss");
        for (std::size_t e = 0; e < accuracy.size(); ++e)
          out.csv << net.depth << ',' << net.width << ',' << setting.name << ',' << seed << ',' << e + 1 << ','
                  << accuracy[e] << ',' << loss[e] << ",\n";
      }
      if (!divergence) continue;
      ++diverged;
      out.csv << net.depth << ',' << net.width << ',' << setting.name << ',' << seed << ",,,,\"" << *divergence << "\"\n";
      divergences << "- " << net.name() << ", seed " << seed << ": " << *divergence << "\n";
      if (!curves) continue;
      out.figure.series.push_back(
          diverged_series(*curves, net.legend() + ", " + setting.name + ", seed " + std::to_string(seed), int(n)));
    }
    std::vector<double> best;
    for (const RunCurves& run : finished) {
      const std::vector<double>& accuracy = run.column("test_accuracy");
      best.push_back(*std::max_element(accuracy.begin(), accuracy.end()));
    }
    const MeanStd last = finished.empty() ? MeanStd{} : final_accuracy(finished);
    md << "| " << net.name() << " | " << setting.name << " | " << finished.size() << " of " << seeds << " | "
       << (finished.empty() ? "—" : mean_std_text(last, 2)) << " | "
       << (finished.empty() ? "—" : mean_std_text(mean_std(best), 2)) << " | "
       << (net.target ? "≥ " + fixed(*net.target, 1) : "—") << " | " << deep_verdict(net, last, diverged) << " |\n";
    finals.x_categories.push_back(net.name() + ", " + setting.name + (finished.empty() ? " (diverged)" : ""));
    if (net.target) {
      targets.x.push_back(double(n));
      targets.y.push_back(*net.target);
      lowest = std::min(lowest, *net.target);
    }
    if (finished.empty()) continue;
    measured.x.push_back(double(n));
    measured.y.push_back(last.mean);
    measured.error.push_back(last.std);
    lowest = std::min(lowest, last.mean - last.std);
    out.figure.series.push_back(
        band_series(epoch_band(finished, "test_accuracy"), net.legend() + ", " + setting.name, int(n)));
  }
  md << "\nThe setting of each net, and why:\n\n" << settings_chosen.str();
  if (settings.quick)
    md << "\n--quick trains two small nets (" << nets.front().name() << ", " << nets.back().name()
       << ") in place of the issue's, each at the setting of the issue's net of its depth, so no target applies to "
          "them.\n";
  md << "\n" << (divergences.str().empty() ? "No run diverged.\n" : "Diverged runs:\n\n" + divergences.str());
  finals.series = {measured};
  if (!targets.x.empty()) finals.series.push_back(targets);
  // Up to 100 %, so that a target on the top edge is not hidden by the frame.
  finals.y_range = {{std::max(0.0, std::floor(lowest) - 1), 100}};
  out.more_figures = {{"final", finals}};
  return out;
}

}  // namespace

Experiment deep_experiment() {
  return {"deep",
          "issue 13: PEPITA at 1–4 hidden layers of 1024 and 8 of 256, each depth at its best setting, against its "
          "targets",
          deep_plan, deep_report};
}

}  // namespace pepita::cli::reproduce
