#include "gnuplot_figure.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "child_process.hpp"
#include "train/reports.hpp"

namespace pepita::cli::reproduce {

namespace {

// Ten colours, so that ten classes (Fig. 4's digits) each have their own; then black, for fits.
constexpr const char* palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
                                   "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#000000"};
constexpr int palette_size = sizeof palette / sizeof palette[0];

// A gnuplot single-quoted string: a quote inside is doubled.
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

bool has_error(SeriesStyle style) {
  return style == SeriesStyle::band || style == SeriesStyle::points_with_error_bars;
}

// The series' points as an inline data block, $s<i>; points that are not numbers are left out.
std::string data_block(const Series& series, std::size_t index) {
  std::ostringstream block;
  block.precision(10);
  block << "$s" << index << " << EOD\n";
  for (std::size_t i = 0; i < series.x.size(); ++i) {
    const double error = has_error(series.style) ? series.error.at(i) : 0;
    if (!std::isfinite(series.x[i]) || !std::isfinite(series.y[i]) || !std::isfinite(error)) continue;
    block << series.x[i] << ' ' << series.y[i] << ' ' << error << '\n';
  }
  block << "EOD\n";
  return block.str();
}

std::string plot_clauses(const Series& series, std::size_t index) {
  const std::string colour = quoted(palette[(series.colour >= 0 ? series.colour : int(index)) % palette_size]);
  const std::string data = "$s" + std::to_string(index);
  const std::string title = "title " + quoted(series.title);
  switch (series.style) {
    case SeriesStyle::band:
      return data + " using 1:($2-$3):($2+$3) with filledcurves fc rgb " + colour +
             " fs transparent solid 0.2 noborder notitle, " + data + " using 1:2 with lines lw 2 lc rgb " + colour + " " + title;
    case SeriesStyle::line: return data + " using 1:2 with lines lw 2 lc rgb " + colour + " " + title;
    case SeriesStyle::dashed_line: return data + " using 1:2 with lines lw 2 dt 2 lc rgb " + colour + " " + title;
    case SeriesStyle::line_with_points: return data + " using 1:2 with linespoints lw 2 pt 7 ps 1.0 lc rgb " + colour + " " + title;
    case SeriesStyle::points: return data + " using 1:2 with points pt 7 ps 1.0 lc rgb " + colour + " " + title;
    case SeriesStyle::points_with_error_bars:
      return data + " using 1:2:3 with yerrorbars pt 7 ps 0.8 lw 1.5 lc rgb " + colour + " " + title;
  }
  throw std::logic_error("a series without a style");
}

// The legend beside the plot, unless a title is long: beside it, a long title squeezes the plot to
// a strip (deep's "8 hidden layers of 256, paper-sample-norm-eta0.3-dropout0.05" left it a third of
// the width), so then the legend goes below it, one entry a line, with a bottom margin of the
// tics, the axis label and a line per entry (gnuplot's own margin laid the box over the label).
std::string key_placement(const Figure& figure) {
  constexpr std::size_t longest_beside = 32;  // characters
  std::size_t longest = 0, entries = 0;
  for (const Series& series : figure.series) {
    longest = std::max(longest, series.title.size());
    entries += series.title.empty() ? 0 : 1;
  }
  if (longest <= longest_beside) return "set key outside right top box opaque\n";
  return "set key outside below center vertical maxcols 1 box opaque\nset bmargin " + std::to_string(5 + entries) + "\n";
}

std::string script(const Figure& figure, const std::filesystem::path& svg, const std::filesystem::path& png) {
  std::ostringstream gp;
  for (std::size_t i = 0; i < figure.series.size(); ++i) gp << data_block(figure.series[i], i);
  gp << "set title " << quoted(figure.title) << "\n"
     << "set xlabel " << quoted(figure.x_label) << "\n"
     << "set ylabel " << quoted(figure.y_label) << "\n"
     << "set grid\n" << key_placement(figure);
  if (!figure.x_categories.empty()) {
    gp << "set xrange [-0.5:" << double(figure.x_categories.size()) - 0.5 << "]\nset xtics rotate by -35 (";
    for (std::size_t i = 0; i < figure.x_categories.size(); ++i)
      gp << (i ? ", " : "") << quoted(figure.x_categories[i]) << ' ' << i;
    gp << ")\n";
  }
  // A few epochs: a tic at each whole one rather than at 1.5. Only where x is whole numbers: a
  // weight axis from −0.3 to 0.3 needs gnuplot's own tics.
  double largest_x = 0;
  bool whole_numbers = true;
  for (const Series& series : figure.series)
    for (double x : series.x) {
      largest_x = std::max(largest_x, x);
      whole_numbers = whole_numbers && x == std::round(x);
    }
  if (figure.x_categories.empty() && whole_numbers && largest_x > 0 && largest_x <= 12) gp << "set xtics 1\n";
  if (figure.x_range) gp << "set xrange [" << figure.x_range->first << ":" << figure.x_range->second << "]\n";
  if (figure.y_range) gp << "set yrange [" << figure.y_range->first << ":" << figure.y_range->second << "]\n";
  std::string plot = "plot ";
  for (std::size_t i = 0; i < figure.series.size(); ++i) plot += (i ? ", " : "") + plot_clauses(figure.series[i], i);
  if (figure.series.empty()) {  // an empty frame that says so, rather than no figure
    gp << "set label 'no data to plot' at graph 0.5, 0.5 center\nset xrange [0:1]\nset yrange [0:1]\n";
    plot += "NaN notitle";
  }
  gp << "set terminal svg size 960,540 font 'sans,13' background rgb 'white' noenhanced\n"
     << "set output " << quoted(svg.string()) << "\n"
     << plot << "\n"
     << "set terminal pngcairo size 1200,675 font 'sans,13' background rgb 'white' noenhanced\n"
     << "set output " << quoted(png.string()) << "\n"
     << "replot\nunset output\n";
  return gp.str();
}

// gnuplot on $PATH, where Debian's gnuplot-nox puts it.
std::filesystem::path find_gnuplot() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin");
  for (std::string dir; std::getline(dirs, dir, ':');)
    if (!dir.empty() && ::access((std::filesystem::path(dir) / "gnuplot").c_str(), X_OK) == 0)
      return std::filesystem::path(dir) / "gnuplot";
  throw std::runtime_error("gnuplot is not installed; the figures need it (apt-get install gnuplot-nox)");
}

std::string first_line(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line))
    if (line.find_first_not_of(" \t^") != std::string::npos) return line;
  return "no message";
}

}  // namespace

void draw_figure(const Figure& figure, const std::filesystem::path& base) {
  const std::filesystem::path svg = base.string() + ".svg", png = base.string() + ".png";
  const std::filesystem::path partial_svg = svg.string() + ".partial", partial_png = png.string() + ".partial";
  const std::filesystem::path gp = base.string() + ".gp.partial", log = base.string() + ".gnuplot.log";
  const std::filesystem::path gnuplot = find_gnuplot();
  write_file_atomically(gp, script(figure, partial_svg, partial_png));
  std::filesystem::remove(log);
  const int status = run_to_end(gnuplot, {gp.string()}, log);
  std::filesystem::remove(gp);
  if (status != 0) {
    const std::string message = "gnuplot failed: " + first_line(log);
    std::filesystem::remove(partial_svg);
    std::filesystem::remove(partial_png);
    throw std::runtime_error(base.filename().string() + ": " + message + " (" + log.string() + ")");
  }
  std::filesystem::remove(log);
  std::filesystem::rename(partial_svg, svg);
  std::filesystem::rename(partial_png, png);
}

}  // namespace pepita::cli::reproduce
