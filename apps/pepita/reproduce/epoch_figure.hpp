#pragma once
// A quantity per epoch as the reports show it: a figure against the epoch, and an EpochBand
// (run_curves.hpp), mean ± std over seeds, as one of its series and as the CSV rows behind it.
#include <ostream>
#include <string>

#include "gnuplot_figure.hpp"
#include "run_curves.hpp"

namespace pepita::cli::reproduce {

// An empty figure whose x axis is the epoch; the caller adds the series.
Figure epoch_figure(std::string title, std::string y_label = "test accuracy [%]");

// The band as a figure series: its mean per epoch, with ± std shaded.
Series band_series(const EpochBand& band, std::string title, int colour);

// A diverged run's test accuracy up to its divergence, dashed, beside the bands of the runs that
// finished.
Series diverged_series(const RunCurves& run, std::string title, int colour);

// One CSV row per epoch, "KEY,epoch,mean,std,seeds", under a header that ends in
// "epoch,mean,std,seeds". KEY is the row's first cells, which say whose band it is: "pepita",
// "mnist,F = 0".
void write_band_rows(std::ostream& csv, const std::string& key, const EpochBand& band);

}  // namespace pepita::cli::reproduce
