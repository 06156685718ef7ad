#pragma once
// ZCA whitening of a data set's input (the paper's Appendix G, Table 4): the pixels are centred
// by the training set's per-pixel mean and multiplied by W = U·diag(1/√(λ + ε))·Uᵀ, where
// Σ = U·diag(λ)·Uᵀ is the training set's pixel covariance. W is symmetric, and of all whitening
// matrices the one that keeps each image closest to itself ("zero-phase"), so the whitened images
// still look like digits. The test set is transformed with the training set's mean and W.
#include <vector>

#include "data/dataset.hpp"

namespace pepita {

// What `pepita train --whiten` does to the input before training.
enum class InputWhitening { none, zca };

struct ZcaTransform {
  std::vector<float> mean;    // per pixel, over the training set
  std::vector<float> matrix;  // W, pixels × pixels, symmetric
  std::vector<double> eigenvalues;  // λ of Σ, ascending
  double epsilon = 0;
};

// ε of the recipe the paper applies, Jean (2020): Σ from the [0, 1] pixels with numpy's n − 1,
// ε = 0.1, then the whitened images rescaled to [0, 1] by their smallest and largest value.
inline constexpr double paper_zca_epsilon = 0.1;

// The transform of `train`'s images. Throws std::invalid_argument for fewer than two images.
ZcaTransform fit_zca(const Dataset& train, double epsilon);

// Replaces the images of `data` by (x − mean)·W. Borrowed images (a numpy array lent by the Python
// module) are not ours to change: the whitened images are a copy that `data` then owns. Throws
// std::invalid_argument if their size is not the transform's.
void apply_zca(const ZcaTransform& transform, Dataset& data);

// Jean (2020)'s recipe on a training and test set, as `--whiten zca` runs it: fit on the training
// set with paper_zca_epsilon, apply to both, and map the training set's whitened range onto [0, 1]
// with one affine map that the test set shares (its values may fall slightly outside).
void whiten_zca(DatasetPair& data);

// What `--whiten` does to a run's data before training, wherever the run is started (`pepita
// train`, the Python module): nothing, or whiten_zca.
void apply_whitening(InputWhitening how, DatasetPair& data);

}  // namespace pepita
