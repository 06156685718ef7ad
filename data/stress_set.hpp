#pragma once
// A harder MNIST that any user can make from the real one (issue 13's stress set, `--dataset
// mnist-hard`): on it PEPITA's slow blow-up shows, as the follow-up saw on harder 28×28 sets.
//   - every image's pixels go through one fixed random permutation (no spatial structure left);
//   - every pixel is inverted, x ← 1 − x (the background becomes bright);
//   - a fixed 20% of the training labels are replaced by another class, drawn per sample.
// The test labels stay true, so test accuracy still measures the clean task. Everything is drawn
// from the counter RNG with fixed seeds, so every machine makes the same set.
#include "data/dataset.hpp"

namespace pepita {

inline constexpr double stress_label_noise = 0.2;

// Applies the three transformations to MNIST loaded as `pair`, in place.
void make_stress_set(DatasetPair& pair);

}  // namespace pepita
