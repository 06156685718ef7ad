#pragma once
// The data sets known by name, with their shapes and sizes, so that a command can build the model
// without reading any data (pepita schedule, --no-math, pepita calibrate).
#include <string>

#include "data/dataset.hpp"

namespace pepita::cli {

struct KnownShape {
  const char* dataset;
  ImageShape input;
  int classes;
  int train_samples;
};

// Throws UsageError naming `command` for a data set of unknown shape: an idx:DIR data set's class
// count is its largest label + 1, known only once every label is read.
const KnownShape& known_shape(const std::string& dataset, const std::string& command);

// "1×28×28": channels, height and width. `times` is "x" where the text must stay ASCII (the
// profiles `pepita calibrate` writes).
std::string dimensions(const ImageShape& shape, const std::string& times = "×");

}  // namespace pepita::cli
