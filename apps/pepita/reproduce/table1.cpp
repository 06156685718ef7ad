// `table1`: the paper's Table 1 — test accuracy after the last epoch for every rule, model and
// data set, mean ± std over seeds, beside the paper's mean ± std over 10 runs, with the verdict
// whether our mean lies within the paper's mean ± 2σ. A data set that is not on disk is marked
// missing; nothing is filled in for it.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "datasets_on_disk.hpp"
#include "experiment.hpp"
#include "paper_values.hpp"

namespace pepita::cli::reproduce {

namespace {

const std::vector<std::string> models = {"fc", "conv"};

std::string seeds_text(int seeds) { return std::to_string(seeds) + (seeds == 1 ? " seed" : " seeds"); }

std::vector<RunSpec> table1_plan(const ReproduceSettings& settings) {
  std::vector<RunSpec> specs;
  for (const std::string& model : models)
    for (const std::string& dataset : paper_datasets) {
      if (missing_file(dataset, settings.data_dir)) continue;
      for (const std::string& rule : paper_rules)
        for (const RunSpec& spec : over_seeds(rule, model, dataset, settings)) specs.push_back(spec);
    }
  return specs;
}

ExperimentReport table1_report(const ReproduceSettings& settings, const FinishedRuns& runs) {
  ExperimentReport out;
  out.title = "Table 1: test accuracy of every rule, model and data set";
  out.figure.title = "Table 1: final test accuracy, ours beside the paper's";
  out.figure.x_label = "rule, model, data set";
  out.figure.y_label = "test accuracy [%]";
  std::ostream& md = out.markdown;
  md << "Test accuracy [%] after the last of " << settings.epochs_per_run()
     << " epochs, mean ± std over " << seeds_text(settings.seeds_of_model("fc"));
  if (settings.seeds_of_model("conv") != settings.seeds_of_model("fc"))
    md << " (conv: " << seeds_text(settings.seeds_of_model("conv")) << ", `--conv-seeds`: a conv run costs about twice an fc run)";
  md << ", each rule at the paper's settings for its model and data set (Table 2: η, batch size, decay, dropout). "
        "The paper's values are mean ± std over 10 runs; ✔ means our mean lies within the paper's mean ± 2σ; ✘ says on which side of it our mean lies.\n\n"
     << "| model | data set | rule | ours [%] | paper [%] | within paper ± 2σ |\n|---|---|---|---|---|---|\n";
  out.csv << "model,dataset,rule,seeds,mean,std,paper_mean,paper_std,within_2_sigma,status\n";
  Series ours{.title = "ours (mean ± std over seeds)", .style = SeriesStyle::points_with_error_bars};
  Series paper{.title = "paper (mean ± std over 10 runs)", .style = SeriesStyle::points_with_error_bars};
  int within = 0, checked = 0;
  for (const std::string& model : models)
    for (const std::string& dataset : paper_datasets) {
      const std::optional<std::string> missing = missing_file(dataset, settings.data_dir);
      for (const std::string& rule : paper_rules) {
        const PaperAccuracy published = *paper_table1(rule, model, dataset);
        const std::string paper_text = fixed(published.mean, 2) + " ± " + fixed(published.std, 2);
        md << "| " << model << " | " << dataset << " | " << rule << " | ";
        if (missing) {
          md << "missing (no " << *missing << ") | " << paper_text << " | — |\n";
          out.csv << model << ',' << dataset << ',' << rule << ",0,,," << published.mean << ',' << published.std
                  << ",,missing\n";
          continue;
        }
        const MeanStd result = final_accuracy(runs.over_seeds(rule, model, dataset));
        const TwoSigmaVerdict verdict = within_two_sigma(result.mean, published);
        within += verdict.inside;
        ++checked;
        md << mean_std_text(result, 2) << " | " << paper_text << " | " << verdict.mark << " |\n";
        out.csv << model << ',' << dataset << ',' << rule << ',' << result.count << ',' << result.mean << ','
                << result.std << ',' << published.mean << ',' << published.std << ',' << (verdict.inside ? "yes" : "no") << ",measured\n";
        const double x = double(out.figure.x_categories.size());
        out.figure.x_categories.push_back(rule + " " + model + " " + dataset);
        ours.x.push_back(x - 0.12);
        ours.y.push_back(result.mean);
        ours.error.push_back(result.std);
        paper.x.push_back(x + 0.12);
        paper.y.push_back(published.mean);
        paper.error.push_back(published.std);
      }
    }
  md << "\n" << within << " of " << checked << " measured cells lie within the paper's mean ± 2σ.\n";
  out.figure.series = {ours, paper};
  // gnuplot's own range can end exactly at a bar's end, which then vanishes into the frame
  // (the paper's fc DRTP bar reaches down to 95.0): half a point of room on either side.
  double lowest = 100, highest = 0;
  for (const Series& series : out.figure.series)
    for (std::size_t i = 0; i < series.y.size(); ++i) {
      lowest = std::min(lowest, series.y[i] - series.error[i]);
      highest = std::max(highest, series.y[i] + series.error[i]);
    }
  if (lowest <= highest) out.figure.y_range = {{std::floor(lowest - 0.5), std::min(100.0, std::ceil(highest + 0.5))}};
  return out;
}

}  // namespace

Experiment table1_experiment() {
  return {"table1", "Table 1: every rule × model (fc, conv) × data set on disk, final test accuracy beside the paper's",
          table1_plan, table1_report};
}

}  // namespace pepita::cli::reproduce
