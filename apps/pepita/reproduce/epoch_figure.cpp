#include "epoch_figure.hpp"

#include <utility>

namespace pepita::cli::reproduce {

Figure epoch_figure(std::string title, std::string y_label) {
  Figure figure;
  figure.title = std::move(title);
  figure.x_label = "epoch";
  figure.y_label = std::move(y_label);
  return figure;
}

Series band_series(const EpochBand& band, std::string title, int colour) {
  Series series{.title = std::move(title), .style = SeriesStyle::band, .colour = colour};
  for (std::size_t e = 0; e < band.epoch.size(); ++e) {
    series.x.push_back(band.epoch[e]);
    series.y.push_back(band.value[e].mean);
    series.error.push_back(band.value[e].std);
  }
  return series;
}

Series diverged_series(const RunCurves& run, std::string title, int colour) {
  return {.title = std::move(title) + " (diverged)", .style = SeriesStyle::dashed_line, .x = run.column("epoch"),
          .y = run.column("test_accuracy"), .colour = colour};
}

void write_band_rows(std::ostream& csv, const std::string& key, const EpochBand& band) {
  for (std::size_t e = 0; e < band.epoch.size(); ++e)
    csv << key << ',' << band.epoch[e] << ',' << band.value[e].mean << ',' << band.value[e].std << ','
        << band.value[e].count << '\n';
}

}  // namespace pepita::cli::reproduce
