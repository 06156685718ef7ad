#pragma once
// The plateau equation for learning curves (Dellaferrera et al. 2022; the PEPITA paper's eq. 7):
//   accuracy(epoch) = max_accuracy · epoch / (slowness + epoch),
// fitted by least squares. The slowness is the number of epochs to reach half the plateau.
#include <vector>

namespace pepita::cli::reproduce {

struct PlateauFit {
  double max_accuracy = 0;
  double slowness = 0;
  double rms_error = 0;  // of the fit over the points, in the accuracy's unit
  // The slowness sits at the search's upper end: the points rise too steadily for a plateau.
  bool unbounded = false;
  double at(double epoch) const { return max_accuracy * epoch / (slowness + epoch); }
};

// Least squares over the points (epoch[i], accuracy[i]). For a given slowness the best
// max_accuracy has a closed form, so only the slowness is searched: on a log grid over
// [1e-4, 1e4] epochs, then by golden section around the best grid point. A point at epoch 0 does
// not change the fit: the curve is 0 there whatever the parameters.
// Throws std::invalid_argument for fewer than two points.
PlateauFit fit_plateau(const std::vector<double>& epoch, const std::vector<double>& accuracy);

}  // namespace pepita::cli::reproduce
