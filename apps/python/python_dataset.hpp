#pragma once
// Data sets as the module hands them out: pixels always shared (never owned by one Dataset value),
// so that a copy — pf.train pairing a train and a test set — costs only the labels.
#include <pybind11/pybind11.h>

#include "data/dataset.hpp"

namespace pepita::python {

// Moves owned pixels into shared ones; pixels already shared stay as they are.
Dataset with_shared_pixels(Dataset set);

// A pf.DatasetPair, or a (train, test) tuple of pf.Dataset, as the pair a Trainer reads.
DatasetPair dataset_pair_from(const pybind11::handle& data);

}  // namespace pepita::python
