// pf.compare: `pepita compare`'s matrix of short runs, its CSV rows returned as dicts.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bindings.hpp"
#include "cli.hpp"

namespace pepita::python {

namespace {

py::list compare(const py::kwargs& keywords) {
  std::vector<std::string> arguments = keywords_as_arguments(keywords, {});
  for (const std::string& argument : arguments)
    if (argument == "--csv" || argument == "--help") throw py::value_error(argument.substr(2) + " is not an option of compare() here: it returns the rows");
  // The command writes its CSV atomically beside the target: a private directory holds both.
  char pattern[] = "/tmp/pepita-compare-XXXXXX";
  if (!mkdtemp(pattern)) throw std::runtime_error("compare: cannot make a temporary directory");
  const std::filesystem::path dir = pattern;
  struct Remove {
    std::filesystem::path dir;
    ~Remove() { std::filesystem::remove_all(dir); }
  } remove{dir};
  arguments.insert(arguments.begin(), "compare");
  arguments.push_back("--csv");
  arguments.push_back((dir / "cells.csv").string());
  std::ostringstream out, err;
  int status = 0;
  {
    py::gil_scoped_release released;
    status = cli::run(arguments, out, err);
  }
  if (status != cli::exit_ok) {
    std::string message = err.str();
    if (message.rfind("pepita: ", 0) == 0) message = message.substr(8);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    if (status == cli::exit_usage) throw py::value_error(message);
    throw std::runtime_error(message);
  }
  std::ifstream file(dir / "cells.csv");
  std::stringstream text;
  text << file.rdbuf();
  const py::module_ csv = py::module_::import("csv");
  const py::module_ io = py::module_::import("io");
  // Numbers as numbers; the rule, scheduler and failure stay text.
  const auto number = [](const py::str& value) -> py::object {
    const std::string text = value;
    if (text.empty()) return py::none();
    try {
      std::size_t used = 0;
      const double parsed = std::stod(text, &used);
      if (used == text.size())
        return text.find_first_of(".eE") == std::string::npos ? py::object(py::int_(std::stoll(text))) : py::object(py::float_(parsed));
    } catch (const std::exception&) {
    }
    return value;
  };
  py::list rows;
  for (const py::handle row : csv.attr("DictReader")(io.attr("StringIO")(text.str()))) {
    py::dict cell;
    for (const auto [key, value] : row.cast<py::dict>()) {
      const std::string name = py::str(key);
      cell[key] = name == "rule" || name == "scheduler" || name == "failure" ? py::object(py::str(value)) : number(py::str(value));
    }
    rows.append(cell);
  }
  return rows;
}

}  // namespace

void bind_compare(py::module_& module) {
  module.def("compare", &compare,
             "compare(**options) -> list of dict\n\n"
             "Runs `pepita compare` with the same options (rules='pepita,bp', depths=[1, 2], batches=50, ...) and\n"
             "returns its CSV as one dict per cell and layer (numbers as numbers, an empty field as None): rule, scheduler, depth, batch, samples_per_second,\n"
             "test_accuracy, layer, locking latency (mean, p50, p99 seconds and stages), staleness, or failure.\n"
             "See `pepita compare --help` for the options.");
}

}  // namespace pepita::python
