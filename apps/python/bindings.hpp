#pragma once
// The pieces of the pepita_flow module, one file each, and what they share: the command line's
// option parsers read Python keywords, so names, defaults, checks and errors are the CLI's own.
#include <set>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>

namespace pepita::python {

namespace py = pybind11;

void bind_config(py::module_& module);
void bind_datasets(py::module_& module);
void bind_training(py::module_& module);
void bind_compare(py::module_& module);

// Keyword arguments as command-line arguments: max_batches=5 → "--max-batches", "5"; a list joins
// with commas; None is left out (the default stays); a switch (named in `switches`) is given bare
// when True and left out when False.
std::vector<std::string> keywords_as_arguments(const py::kwargs& keywords, const std::set<std::string>& switches);

}  // namespace pepita::python
