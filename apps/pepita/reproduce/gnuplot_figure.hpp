#pragma once
// A figure as data, drawn by gnuplot (Debian's gnuplot-nox) into an SVG and a PNG.
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pepita::cli::reproduce {

enum class SeriesStyle {
  band,                    // a line at y with a shaded band y ± error
  line,                    // a solid line
  dashed_line,             // a dashed line (a fit)
  line_with_points,        // a solid line with a marker at each point: few points, or a single one
  points,                  // markers
  points_with_error_bars,  // markers with y ± error bars
};

struct Series {
  std::string title;  // in the legend
  SeriesStyle style = SeriesStyle::line;
  std::vector<double> x{}, y{}, error{};  // error: only for band and points_with_error_bars
  int colour = -1;                  // index into the palette (10: black); -1: the series' position
};

struct Figure {
  std::string title;
  std::string x_label;  // with its unit, e.g. "epoch"
  std::string y_label;  // with its unit, e.g. "test accuracy [%]"
  // Names for x = 0, 1, …: a categorical axis.
  std::vector<std::string> x_categories;
  std::optional<std::pair<double, double>> x_range;  // else gnuplot's, which rounds out to its tics
  std::optional<std::pair<double, double>> y_range;
  std::vector<Series> series;
};

// Draws `figure` into base.svg and base.png. Each is drawn under a temporary name and renamed,
// so a reader never sees half a picture. Throws std::runtime_error with gnuplot's first error
// line, or saying gnuplot is missing.
void draw_figure(const Figure& figure, const std::filesystem::path& base);

}  // namespace pepita::cli::reproduce
