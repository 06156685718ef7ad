#include "run_curves.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace pepita::cli::reproduce {

namespace {

std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> parts;
  std::stringstream stream(line);
  for (std::string part; std::getline(stream, part, ',');) parts.push_back(part);
  if (!line.empty() && line.back() == ',') parts.emplace_back();
  return parts;
}

}  // namespace

const std::vector<double>& RunCurves::column(const std::string& name) const {
  const auto found = columns.find(name);
  if (found == columns.end()) throw std::runtime_error(source.string() + ": no column '" + name + "'");
  return found->second;
}

std::size_t RunCurves::epochs() const { return columns.count("epoch") ? columns.at("epoch").size() : 0; }

RunCurves read_run_curves(const std::filesystem::path& metrics_csv) {
  std::ifstream in(metrics_csv);
  if (!in) throw std::runtime_error(metrics_csv.string() + ": cannot read the run's metrics");
  RunCurves curves;
  curves.source = metrics_csv;
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error(metrics_csv.string() + ": empty metrics file");
  const std::vector<std::string> names = cells(line);
  for (const std::string& name : names) curves.columns[name];
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const std::vector<std::string> values = cells(line);
    if (values.size() != names.size())
      throw std::runtime_error(metrics_csv.string() + ": a row of " + std::to_string(values.size()) + " cells under " +
                               std::to_string(names.size()) + " columns");
    for (std::size_t c = 0; c < names.size(); ++c)
      curves.columns[names[c]].push_back(values[c].empty() ? std::numeric_limits<double>::quiet_NaN()
                                                           : std::stod(values[c]));
  }
  if (curves.epochs() == 0) throw std::runtime_error(metrics_csv.string() + ": no epochs recorded");
  return curves;
}

MeanStd mean_std(const std::vector<double>& values) {
  MeanStd result;
  result.count = int(values.size());
  if (values.empty()) return result;
  double sum = 0;
  for (double v : values) sum += v;
  result.mean = sum / double(values.size());
  if (values.size() < 2) return result;
  double squares = 0;
  for (double v : values) squares += (v - result.mean) * (v - result.mean);
  result.std = std::sqrt(squares / double(values.size() - 1));
  return result;
}

EpochBand epoch_band(const std::vector<RunCurves>& runs, const std::string& column) {
  EpochBand band;
  if (runs.empty()) return band;
  std::size_t epochs = runs.front().epochs();
  for (const RunCurves& run : runs) epochs = std::min(epochs, run.epochs());
  for (std::size_t e = 0; e < epochs; ++e) {
    std::vector<double> values;
    for (const RunCurves& run : runs) values.push_back(run.column(column)[e]);
    band.epoch.push_back(runs.front().column("epoch")[e]);
    band.value.push_back(mean_std(values));
  }
  return band;
}

}  // namespace pepita::cli::reproduce
