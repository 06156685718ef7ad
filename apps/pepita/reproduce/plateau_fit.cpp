#include "plateau_fit.hpp"

#include <cmath>
#include <stdexcept>

namespace pepita::cli::reproduce {

namespace {

// The best fit for a fixed slowness: max_accuracy = Σ y·g / Σ g², g = e / (s + e).
PlateauFit fit_for(double slowness, const std::vector<double>& epoch, const std::vector<double>& accuracy) {
  double yg = 0, gg = 0;
  for (std::size_t i = 0; i < epoch.size(); ++i) {
    const double g = epoch[i] / (slowness + epoch[i]);
    yg += accuracy[i] * g;
    gg += g * g;
  }
  PlateauFit fit{.max_accuracy = gg > 0 ? yg / gg : 0, .slowness = slowness};
  double squares = 0;
  for (std::size_t i = 0; i < epoch.size(); ++i) squares += std::pow(accuracy[i] - fit.at(epoch[i]), 2);
  fit.rms_error = std::sqrt(squares / double(epoch.size()));
  return fit;
}

}  // namespace

PlateauFit fit_plateau(const std::vector<double>& epoch, const std::vector<double>& accuracy) {
  if (epoch.size() != accuracy.size() || epoch.size() < 2)
    throw std::invalid_argument("the plateau fit needs at least two points");
  constexpr int grid = 400;
  constexpr double lowest = -4, highest = 4;  // log10 of the slowness
  const auto at_grid = [&](int i) { return lowest + (highest - lowest) * i / grid; };
  int best = 0;
  double best_error = INFINITY;
  for (int i = 0; i <= grid; ++i) {
    const double error = fit_for(std::pow(10, at_grid(i)), epoch, accuracy).rms_error;
    if (error < best_error) best_error = error, best = i;
  }
  double a = at_grid(std::max(best - 1, 0)), b = at_grid(std::min(best + 1, grid));
  const double ratio = (std::sqrt(5.0) - 1) / 2;
  for (int step = 0; step < 100; ++step) {
    const double c = b - ratio * (b - a), d = a + ratio * (b - a);
    if (fit_for(std::pow(10, c), epoch, accuracy).rms_error < fit_for(std::pow(10, d), epoch, accuracy).rms_error) b = d;
    else a = c;
  }
  PlateauFit fit = fit_for(std::pow(10, (a + b) / 2), epoch, accuracy);
  fit.unbounded = best == grid;
  return fit;
}

}  // namespace pepita::cli::reproduce
