#pragma once
// What a pf.Config holds: the request `pepita train` would make of the same options, and those
// options as the command line spells them (for repr).
#include <string>
#include <vector>

#include <pybind11/pybind11.h>

#include "train_options.hpp"

namespace pepita::python {

struct Config {
  cli::TrainRequest request;
  std::vector<std::string> arguments;
};

// Reads the keywords with `pepita train`'s parser; raises ValueError for anything it refuses.
Config make_config(const pybind11::kwargs& keywords);

// `pepita train --help`'s option list, for docstrings.
std::string train_options_help();

}  // namespace pepita::python
