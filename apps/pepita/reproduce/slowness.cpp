// `slowness` (Table 3, Fig. 8): the plateau equation fitted to the test curve, averaged over
// seeds, of every rule on the fully connected models, as the paper's Appendix C does it: over the
// first 60 epochs (the learning rate decays after epoch 60), with the chance level added as a
// point at epoch 0.
#include <algorithm>
#include <sstream>

#include "datasets_on_disk.hpp"
#include "experiment.hpp"
#include "paper_values.hpp"
#include "plateau_fit.hpp"

namespace pepita::cli::reproduce {

namespace {

constexpr std::size_t fitted_epochs = 60;

std::vector<RunSpec> plan(const ReproduceSettings& settings) {
  std::vector<RunSpec> specs;
  for (const std::string& dataset : paper_datasets) {
    if (missing_file(dataset, settings.data_dir)) continue;
    for (const std::string& rule : paper_rules)
      for (const RunSpec& spec : over_seeds(rule, "fc", dataset, settings)) specs.push_back(spec);
  }
  return specs;
}

ExperimentReport report(const ReproduceSettings& settings, const FinishedRuns& runs) {
  ExperimentReport out;
  out.title = "Table 3: slowness of the fully connected models (plateau equation fit)";
  std::ostringstream md, csv;
  md << "The test curve averaged over " << runs.seeds() << (runs.seeds() == 1 ? " seed" : " seeds")
     << ", its first " << std::min<std::size_t>(fitted_epochs, std::size_t(settings.epochs_per_run()))
     << " epochs and the chance level at epoch 0, fitted by least squares to accuracy = max accuracy · epochs / "
        "(slowness + epochs). The slowness is the number of epochs to reach half the plateau; lower is faster. The "
        "paper gives no spread for it, so there is no ± 2σ verdict: compare the values and the order of the rules. "
        "The curve is 0 at epoch 0 whatever the parameters, so the chance point shifts the fit's error but not the "
        "fit.\n\n"
     << "| data set | rule | fitted max accuracy [%] | slowness [epochs] | fit's rms error [%] | paper's slowness [epochs] |\n"
     << "|---|---|---|---|---|---|\n";
  csv << "dataset,rule,epochs_fitted,max_accuracy,slowness,rms_error,paper_slowness\n";
  bool first_dataset = true;
  for (const std::string& dataset : paper_datasets) {
    if (const auto missing = missing_file(dataset, settings.data_dir)) {
      md << "| " << dataset << " | all | missing (no " << *missing << ") | | | |\n";
      continue;
    }
    std::vector<std::pair<double, std::string>> ours_order, paper_order;
    for (std::size_t r = 0; r < paper_rules.size(); ++r) {
      const std::string& rule = paper_rules[r];
      const EpochBand band = epoch_band(runs.over_seeds(rule, "fc", dataset), "test_accuracy");
      std::vector<double> epoch{0}, accuracy{100.0 / class_count(dataset)};
      for (std::size_t e = 0; e < band.epoch.size() && e < fitted_epochs; ++e) {
        epoch.push_back(band.epoch[e]);
        accuracy.push_back(band.value[e].mean);
      }
      const PlateauFit fit = fit_plateau(epoch, accuracy);
      const double paper = *paper_slowness(rule, dataset);
      ours_order.emplace_back(fit.slowness, rule);
      paper_order.emplace_back(paper, rule);
      md << "| " << dataset << " | " << rule << " | " << fixed(fit.max_accuracy, 2) << " | " << fixed(fit.slowness, 3)
         << " | " << fixed(fit.rms_error, 2) << " | " << fixed(paper, 3) << " |\n";
      csv << dataset << ',' << rule << ',' << epoch.size() - 1 << ',' << fit.max_accuracy << ',' << fit.slowness << ','
          << fit.rms_error << ',' << paper << '\n';
      if (!first_dataset) continue;  // the figure shows the first data set on disk, as Fig. 8 shows one
      Series measured{.title = rule + " measured (mean)", .style = SeriesStyle::points, .x = epoch, .y = accuracy,
                      .colour = int(r)};
      Series fitted{.title = rule + " fit, s = " + fixed(fit.slowness, 3), .style = SeriesStyle::dashed_line,
                    .colour = int(r)};
      for (int i = 0; i <= 200; ++i) {
        const double x = epoch.back() * i / 200.0;
        fitted.x.push_back(x);
        fitted.y.push_back(fit.at(x));
      }
      out.figure.series.push_back(measured);
      out.figure.series.push_back(fitted);
      out.figure.title = "Fig. 8: plateau fits of the test curves, fully connected " + dataset;
    }
    const auto order = [](std::vector<std::pair<double, std::string>> values) {
      std::sort(values.begin(), values.end());
      std::string text;
      for (const auto& [value, rule] : values) text += (text.empty() ? "" : " < ") + rule;
      return text;
    };
    md << "\n" << dataset << ", fastest first: ours " << order(ours_order) << "; the paper's " << order(paper_order)
       << ".\n\n";
    first_dataset = false;
  }
  out.markdown = md.str();
  out.csv = csv.str();
  out.figure.x_label = "epoch";
  out.figure.y_label = "test accuracy [%]";
  return out;
}

}  // namespace

Experiment slowness_experiment() {
  return {"slowness", "Table 3, Fig. 8: plateau-equation fit of the first 60 epochs per rule (fc models)", plan, report};
}

}  // namespace pepita::cli::reproduce
