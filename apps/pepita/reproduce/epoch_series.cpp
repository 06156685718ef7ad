#include "epoch_series.hpp"

#include <sstream>
#include <stdexcept>

#include "datasets_on_disk.hpp"
#include "epoch_figure.hpp"

namespace pepita::cli::reproduce {

namespace {

// Fig. 3 is the fully connected MNIST network of Table 1, so these runs are table1's runs.
constexpr const char* model = "fc";
constexpr const char* dataset = "mnist";

// The table's columns, as indices: the first epoch, the middle one (50 of 100) and the last.
std::vector<std::size_t> shown_epochs(std::size_t epochs) {
  std::vector<std::size_t> shown{0};
  if (epochs > 2) shown.push_back((epochs - 1) / 2);
  if (epochs > 1) shown.push_back(epochs - 1);
  return shown;
}

}  // namespace

Experiment epoch_series_experiment(EpochSeries series) {
  const auto plan = [series](const ReproduceSettings& settings) {
    if (const auto missing = missing_file(dataset, settings.data_dir))
      throw std::runtime_error(series.name + " needs MNIST: no " + *missing + " under " + settings.data_dir.string());
    std::vector<RunSpec> specs;
    for (const std::string& rule : series.rules)
      for (const RunSpec& spec : over_seeds(rule, model, dataset, settings)) specs.push_back(spec);
    return specs;
  };
  const auto report = [series](const ReproduceSettings&, const FinishedRuns& runs) {
    ExperimentReport out;
    out.title = series.title;
    out.figure = epoch_figure(series.title + " (band: ± std over seeds)", series.y_label);
    std::vector<RuleBand> bands;
    for (const std::string& rule : series.rules) bands.push_back({rule, epoch_band(runs.over_seeds(rule, model, dataset), series.column)});
    std::ostream& md = out.markdown;
    md << series.y_label << " after an epoch, fully connected 784-1024-10 on MNIST at the paper's settings, mean ± std over "
       << runs.seeds() << (runs.seeds() == 1 ? " seed" : " seeds") << ".\n\n| rule |";
    const std::vector<std::size_t> shown = shown_epochs(bands.front().band.epoch.size());
    for (std::size_t e : shown) md << " epoch " << bands.front().band.epoch[e] << " |";
    md << "\n|---|";
    for (std::size_t i = 0; i < shown.size(); ++i) md << "---|";
    md << "\n";
    out.csv << "rule,epoch,mean,std,seeds\n";
    for (std::size_t r = 0; r < bands.size(); ++r) {
      const EpochBand& band = bands[r].band;
      md << "| " << bands[r].rule << " |";
      for (std::size_t e : shown) md << ' ' << mean_std_text(band.value[e], series.digits) << " |";
      md << "\n";
      write_band_rows(out.csv, bands[r].rule, band);
      out.figure.series.push_back(band_series(band, bands[r].rule, int(r)));
    }
    md << "\n" << series.beside_the_paper(bands);
    return out;
  };
  return {series.name, series.summary, plan, report};
}

}  // namespace pepita::cli::reproduce
