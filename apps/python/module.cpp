// pepita_flow: the Python face of the same library and flow graph that `pepita` runs. Errors keep
// the command line's one-line messages: bad options and arrays raise ValueError, bad files OSError.
#include <boost/program_options/errors.hpp>

#include "bindings.hpp"
#include "cli.hpp"
#include "data/dataset.hpp"
#include "graph/divergence.hpp"
#include "train/checkpoint.hpp"

namespace pepita::python {

std::vector<std::string> keywords_as_arguments(const py::kwargs& keywords, const std::set<std::string>& switches) {
  std::vector<std::string> arguments;
  for (const auto& [key, value] : keywords) {
    std::string name = py::str(key);
    for (char& c : name)
      if (c == '_') c = '-';
    if (value.is_none()) continue;
    if (switches.count(name)) {
      if (py::isinstance<py::bool_>(value) ? value.cast<bool>() : throw py::value_error(name + " is a switch: give True or False"))
        arguments.push_back("--" + name);
      continue;
    }
    std::string text;
    if (py::isinstance<py::bool_>(value)) {
      text = value.cast<bool>() ? "true" : "false";
    } else if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
      for (const py::handle item : value) text += (text.empty() ? "" : ",") + std::string(py::str(item));
      if (text.empty()) text = "none";
    } else if (py::hasattr(value, "__fspath__")) {
      text = py::str(py::module_::import("os").attr("fspath")(value));
    } else {
      text = py::str(value);  // a float's str is its shortest round-trip form
    }
    arguments.push_back("--" + name);
    arguments.push_back(text);
  }
  return arguments;
}

}  // namespace pepita::python

PYBIND11_MODULE(pepita_flow, module) {
  namespace py = pybind11;
  using namespace pepita;
  module.doc() =
      "pepita_flow: train neural networks with PEPITA (two forward passes, no backward pass) and its\n"
      "baselines through pepita-flow's oneTBB flow graph, from Python.\n\n"
      "  Config(**options)     every `pepita train` option as a keyword\n"
      "  load_dataset(name)    MNIST, CIFAR-10/100 or idx files, as Dataset pairs\n"
      "  Dataset.from_arrays   numpy arrays in, without a copy where the layout allows\n"
      "  train(config, data)   a training run: history, weights, summary, per-layer metrics\n"
      "  compare(**options)    `pepita compare`'s matrix of short runs\n";
  module.attr("__version__") = PEPITA_VERSION;
  // Translated most specific first: pybind11 tries registered translators newest first.
  py::register_exception_translator([](std::exception_ptr thrown) {
    try {
      if (thrown) std::rethrow_exception(thrown);
    } catch (const cli::UsageError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const boost::program_options::error& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const DataError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const CheckpointError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const std::filesystem::filesystem_error& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const Divergence& e) {
      PyErr_SetString(PyExc_FloatingPointError, e.what());
    }
  });
  python::bind_config(module);
  python::bind_datasets(module);
  python::bind_training(module);
  python::bind_compare(module);
}
