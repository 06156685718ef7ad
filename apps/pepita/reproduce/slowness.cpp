// `slowness` (Table 3, Fig. 8): the plateau equation fitted to the test curve, averaged over
// seeds, of every rule on the fully connected models, as the paper's Appendix C does it: over the
// first 60 epochs (the learning rate decays after epoch 60).
#include <algorithm>
#include <sstream>

#include "datasets_on_disk.hpp"
#include "epoch_figure.hpp"
#include "experiment.hpp"
#include "paper_values.hpp"
#include "plateau_fit.hpp"

namespace pepita::cli::reproduce {

namespace {

constexpr std::size_t fitted_epochs = 60;

std::vector<RunSpec> slowness_plan(const ReproduceSettings& settings) {
  std::vector<RunSpec> specs;
  for (const std::string& dataset : paper_datasets) {
    if (missing_file(dataset, settings.data_dir)) continue;
    for (const std::string& rule : paper_rules)
      for (const RunSpec& spec : over_seeds(rule, "fc", dataset, settings)) specs.push_back(spec);
  }
  return specs;
}

std::string fastest_first(std::vector<std::pair<double, std::string>> slowness_of_rule) {
  std::sort(slowness_of_rule.begin(), slowness_of_rule.end());
  std::string text = slowness_of_rule.empty() ? "none fitted" : "";
  for (const auto& [slowness, rule] : slowness_of_rule) text += (text.empty() ? "" : " < ") + rule;
  return text;
}

ExperimentReport slowness_report(const ReproduceSettings& settings, const FinishedRuns& runs) {
  ExperimentReport out;
  out.title = "Table 3: slowness of the fully connected models (plateau equation fit)";
  // Titled by the first data set on disk, once it is known.
  out.figure = epoch_figure("Fig. 8: plateau fits of the test curves (no data set on disk)");
  std::ostream& md = out.markdown;
  std::ostringstream rows, orders;
  md << "The test curve averaged over " << runs.seeds() << (runs.seeds() == 1 ? " seed" : " seeds")
     << ", its first " << std::min<std::size_t>(fitted_epochs, std::size_t(settings.epochs_per_run()))
     << " epochs, fitted by least squares to accuracy = max accuracy · epochs / (slowness + epochs). The slowness is "
        "the number of epochs to reach half the plateau; lower is faster. The paper adds the chance level as a point "
        "at epoch 0; the curve is 0 there whatever its parameters, so that point cannot change the fit, and it is "
        "shown in the figure only. The paper gives no spread for the slowness, so there is no ± 2σ verdict: compare "
        "the values and the order of the rules.\n\n"
     << "| data set | rule | fitted max accuracy [%] | slowness [epochs] | fit's rms error [%] | paper's slowness [epochs] |\n"
     << "|---|---|---|---|---|---|\n";
  out.csv << "dataset,rule,epochs_fitted,max_accuracy,slowness,rms_error,no_plateau,paper_slowness\n";
  bool first_dataset = true;
  for (const std::string& dataset : paper_datasets) {
    if (const auto missing = missing_file(dataset, settings.data_dir)) {
      rows << "| " << dataset << " | all | missing (no " << *missing << ") | | | |\n";
      continue;
    }
    std::vector<std::pair<double, std::string>> ours_order, paper_order;
    for (std::size_t r = 0; r < paper_rules.size(); ++r) {
      const std::string& rule = paper_rules[r];
      const EpochBand band = epoch_band(runs.over_seeds(rule, "fc", dataset), "test_accuracy");
      std::vector<double> epoch, accuracy;
      for (std::size_t e = 0; e < band.epoch.size() && e < fitted_epochs; ++e) {
        epoch.push_back(band.epoch[e]);
        accuracy.push_back(band.value[e].mean);
      }
      const double paper = *paper_slowness(rule, dataset);
      paper_order.emplace_back(paper, rule);
      // The figure shows the first data set on disk, as Fig. 8 shows one.
      Series measured{.title = rule + " measured (mean)", .style = SeriesStyle::points, .x = epoch, .y = accuracy,
                      .colour = int(r)};
      measured.x.insert(measured.x.begin(), 0);  // the paper's chance point
      measured.y.insert(measured.y.begin(), 100.0 / class_count(dataset));
      if (first_dataset) out.figure.series.push_back(measured);
      if (epoch.size() < 2) {  // two parameters need two epochs
        rows << "| " << dataset << " | " << rule << " | | too few epochs to fit (" << epoch.size() << ") | | "
             << fixed(paper, 3) << " |\n";
        continue;
      }
      const PlateauFit fit = fit_plateau(epoch, accuracy);
      if (!fit.unbounded) ours_order.emplace_back(fit.slowness, rule);
      rows << "| " << dataset << " | " << rule << " | " << (fit.unbounded ? "no plateau" : fixed(fit.max_accuracy, 2))
           << " | " << (fit.unbounded ? "> 10⁴ (no plateau in these epochs)" : fixed(fit.slowness, 3)) << " | "
           << fixed(fit.rms_error, 2) << " | " << fixed(paper, 3) << " |\n";
      out.csv << dataset << ',' << rule << ',' << epoch.size() << ',' << fit.max_accuracy << ',' << fit.slowness << ','
              << fit.rms_error << ',' << (fit.unbounded ? "yes" : "no") << ',' << paper << '\n';
      if (!first_dataset) continue;
      Series fitted{.title = rule + " fit, s = " + (fit.unbounded ? "> 10⁴" : fixed(fit.slowness, 3)),
                    .style = SeriesStyle::dashed_line, .colour = int(r)};
      for (int i = 0; i <= 200; ++i) {
        const double x = epoch.back() * i / 200.0;
        fitted.x.push_back(x);
        fitted.y.push_back(fit.at(x));
      }
      out.figure.series.push_back(fitted);
    }
    if (first_dataset)
      out.figure.title = "Fig. 8: plateau fits of the test curves, fully connected " + dataset + " (epoch 0: chance level)";
    orders << dataset << ", fastest first: ours " << fastest_first(ours_order) << "; the paper's "
           << fastest_first(paper_order) << ".\n\n";
    first_dataset = false;
  }
  md << rows.str() << "\n" << orders.str();
  return out;
}

}  // namespace

Experiment slowness_experiment() {
  return {"slowness", "Table 3, Fig. 8: plateau-equation fit of the first 60 epochs per rule (fc models)",
          slowness_plan, slowness_report};
}

}  // namespace pepita::cli::reproduce
