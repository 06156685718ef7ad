// pf.Config: a training configuration made from keywords by `pepita train`'s own parser, so every
// option, default (the paper's, per data set, model and rule), check and message is the CLI's.
#include <sstream>

#include <pybind11/stl.h>

#include "bindings.hpp"
#include "python_config.hpp"
#include "train_option_table.hpp"
#include "train_options.hpp"

namespace pepita::python {

namespace {

std::set<std::string> train_switches() {
  std::set<std::string> switches;
  for (const cli::TrainOption& option : cli::train_option_table())
    if (option.value_name.empty()) switches.insert(option.key());
  return switches;
}

// The "key = value" lines of the configuration, as a dict of strings in the table's order.
py::dict configuration_lines(const Config& config) {
  py::dict lines;
  std::istringstream text(cli::config_text(config.request.config));
  for (std::string line; std::getline(text, line);) {
    const std::size_t equals = line.find(" = ");
    std::string key = line.substr(0, equals);
    for (char& c : key)
      if (c == '-') c = '_';
    lines[py::str(key)] = line.substr(equals + 3);
  }
  return lines;
}

}  // namespace

std::string train_options_help() {
  std::ostringstream text;
  text << cli::train_options_description();
  return text.str();
}

Config make_config(const py::kwargs& keywords) {
  std::vector<std::string> arguments = keywords_as_arguments(keywords, train_switches());
  for (const std::string& argument : arguments)
    if (argument == "--help" || argument == "--resume")
      throw py::value_error(argument.substr(2) + " is not a configuration: use help(pepita_flow.Config), or train(..., resume=True)");
  Config config{cli::parse_train_options(arguments), arguments};
  return config;
}

void bind_config(py::module_& module) {
  const std::string doc =
      "Config(**options): a training configuration.\n\n"
      "Every `pepita train` option is a keyword of the same name with '_' for '-' (batch_size=16 is\n"
      "--batch-size 16), with the same defaults (the paper's, for the chosen dataset, model and rule)\n"
      "and the same checks; a bad value raises ValueError with the command line's one-line message.\n"
      "Lists may be given as lists (hidden=[256, 256]); switches as True/False.\n\n"
      "The options:\n" +
      train_options_help();
  py::class_<Config>(module, "Config", doc.c_str())
      .def(py::init(&make_config))
      .def("as_dict", &configuration_lines, "The whole configuration, defaults included, as strings by option name.")
      .def("text", [](const Config& c) { return cli::config_text(c.request.config); },
           "The configuration as `pepita train --config FILE` reads it.")
      .def_property_readonly("rule", [](const Config& c) { return c.request.config.rule.name(); })
      .def_property_readonly("model", [](const Config& c) { return c.request.config.model; })
      .def_property_readonly("dataset", [](const Config& c) { return c.request.config.dataset; })
      .def_property_readonly("data_dir", [](const Config& c) { return c.request.config.data_dir.string(); })
      .def_property_readonly("hidden", [](const Config& c) { return c.request.config.hidden; })
      .def_property_readonly("epochs", [](const Config& c) { return c.request.config.epochs; })
      .def_property_readonly("batch_size", [](const Config& c) { return c.request.config.batch_size; })
      .def_property_readonly("lr", [](const Config& c) { return c.request.config.learning_rate; })
      .def_property_readonly("seed", [](const Config& c) { return c.request.config.seed; })
      .def_property_readonly("scheduler", [](const Config& c) { return c.request.config.scheduler.name; })
      .def("__repr__", [](const Config& c) {
        std::string text = "pepita_flow.Config(";
        for (std::size_t i = 0; i < c.arguments.size(); ++i) {
          const std::string& a = c.arguments[i];
          if (a.rfind("--", 0) != 0) continue;
          std::string key = a.substr(2);
          for (char& ch : key)
            if (ch == '-') ch = '_';
          const bool has_value = i + 1 < c.arguments.size() && c.arguments[i + 1].rfind("--", 0) != 0;
          text += (text.back() == '(' ? "" : ", ") + key + "=" + (has_value ? "'" + c.arguments[i + 1] + "'" : "True");
        }
        return text + ")";
      });
}

}  // namespace pepita::python
