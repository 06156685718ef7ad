// pf.train and pf.Run: one training run through the flow graph, driven by the same TrainingSession
// as `pepita train`. Training releases the GIL; the callback takes it back once per epoch.
#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "bindings.hpp"
#include "data/zca_whitening.hpp"
#include "layers/seconds_since.hpp"
#include "python_config.hpp"
#include "python_dataset.hpp"
#include "stop_signals.hpp"
#include "train/checkpoint.hpp"
#include "train/reports.hpp"
#include "training_session.hpp"

namespace pepita::python {

namespace {

py::dict epoch_dict(const EpochRecord& r) {
  py::dict row;
  row["epoch"] = r.epoch;
  row["lr"] = r.learning_rate;
  row["train_loss"] = r.train_loss;
  row["train_accuracy"] = r.train_accuracy;
  row["test_loss"] = r.test_loss;
  row["test_accuracy"] = r.test_accuracy;
  row["train_seconds"] = r.train_seconds;
  row["samples_per_second"] = r.samples_per_second;
  row["weight_norms"] = r.weight_norms;
  row["feedback_angle_degrees"] = r.feedback_angle_degrees ? py::object(py::float_(*r.feedback_angle_degrees)) : py::none();
  return row;
}

// A finished or stopped run: its history, weights and metrics, readable from Python.
class Run {
 public:
  Run(DatasetPair data, cli::TrainRequest request, std::optional<Checkpoint> resumed)
      : data_(std::make_unique<DatasetPair>(std::move(data))),
        session_(std::make_unique<cli::TrainingSession>(std::move(request), *data_, std::move(resumed))) {}

  cli::TrainingSession& session() { return *session_; }
  py::list history() const {
    py::list rows;
    for (const EpochRecord& r : session_->trainer().history()) rows.append(epoch_dict(r));
    return rows;
  }
  bool finished() const { return finished_; }
  void set_finished(bool finished, double seconds) {
    finished_ = finished;
    seconds_ = seconds;
  }

  // W1…WL as (units, inputs) — a convolution's as (filters, channels·k·k), oihw — and PEPITA's F
  // as (input features, classes): copies, so training on does not change them under the caller.
  py::dict weights() {
    py::dict arrays;
    TrainingGraph& graph = session_->trainer().graph();
    for (int l = 0; l < graph.layer_count(); ++l) {
      const Layer& layer = graph.layer(l).layer();
      const std::span<const float> w = layer.weights();
      const py::ssize_t rows = layer.outputs() / layer.positions();
      py::array_t<float> array({rows, py::ssize_t(w.size()) / rows});
      std::copy(w.begin(), w.end(), array.mutable_data());
      arrays[py::str("W" + std::to_string(l + 1))] = array;
    }
    const std::span<const float> f = graph.input_projection();
    if (!f.empty()) {
      const py::ssize_t classes = graph.config().classes;
      py::array_t<float> array({py::ssize_t(f.size()) / classes, classes});
      std::copy(f.begin(), f.end(), array.mutable_data());
      arrays["F"] = array;
    }
    return arrays;
  }

  // The same document as `pepita train --summary`, as a dict.
  py::object summary() {
    const std::string json = summary_json(session_->request().config, session_->trainer(),
                                          RunFacts{describe_machine(), seconds_});
    return py::module_::import("json").attr("loads")(json);
  }

 private:
  std::unique_ptr<DatasetPair> data_;  // before the session, whose trainer reads it
  std::unique_ptr<cli::TrainingSession> session_;
  bool finished_ = false;
  double seconds_ = 0;
};

bool on_main_thread() {
  const py::module_ threading = py::module_::import("threading");
  return threading.attr("current_thread")().is(threading.attr("main_thread")());
}

// The request for a run from `config` in `checkpoint_dir`. With resume, a checkpoint already there
// is continued, and must have been saved by this configuration (the data directory aside: the
// data are passed in); without one the run starts afresh.
cli::TrainRequest request_for(const Config& config, std::optional<std::filesystem::path> checkpoint_dir,
                              std::int64_t checkpoint_every, bool resume, std::optional<Checkpoint>& resumed) {
  cli::TrainRequest request = config.request;
  if (checkpoint_dir) request.checkpoint_dir = *checkpoint_dir;
  if (checkpoint_every < 0) throw py::value_error("checkpoint_every must be >= 0");
  if (checkpoint_every > 0) request.checkpoint_every = checkpoint_every;
  if (request.checkpoint_every > 0 && !request.checkpoint_dir)
    throw py::value_error("checkpoint_every needs checkpoint_dir");
  if (!resume) return request;
  if (!request.checkpoint_dir) throw py::value_error("resume=True needs checkpoint_dir");
  const std::filesystem::path file = checkpoint_file(*request.checkpoint_dir);
  if (!std::filesystem::exists(file)) return request;
  resumed = load_checkpoint(file);
  const cli::TrainRequest saved = cli::parse_resumed_options({"--resume", request.checkpoint_dir->string()}, resumed->config_text);
  const auto without_data_dir = [](const TrainConfig& c) {
    TrainConfig copy = c;
    copy.data_dir = "/";
    return cli::config_text(copy);
  };
  if (without_data_dir(saved.config) != without_data_dir(request.config))
    throw py::value_error(file.string() + " holds a run of another configuration; give that configuration, or another checkpoint_dir");
  request.resume = request.checkpoint_dir;
  return request;
}

py::object train(const Config& config, const py::object& data, const std::optional<py::function>& callback,
                 std::optional<std::filesystem::path> checkpoint_dir, std::int64_t checkpoint_every, bool resume) {
  std::optional<Checkpoint> resumed;
  cli::TrainRequest request = request_for(config, std::move(checkpoint_dir), checkpoint_every, resume, resumed);
  DatasetPair pair;
  if (data.is_none()) {
    py::gil_scoped_release released;
    pair = load_dataset(request.config.dataset, request.config.data_dir);
  } else {
    pair = dataset_pair_from(data);
  }
  {
    py::gil_scoped_release released;
    apply_whitening(request.config.whiten, pair);  // as `pepita train` does; lent arrays are copied, not changed
  }
  auto run = std::make_shared<Run>(std::move(pair), std::move(request), std::move(resumed));

  std::atomic<bool> callback_stop{false};
  // Ctrl-C reaches Python only between bytecodes, never while the engine runs: for the run's length
  // the command line's handlers take it (main thread only, as Python's own signal handling).
  std::optional<cli::StopSignals> signals;
  if (on_main_thread()) signals.emplace();
  cli::SessionHooks hooks{
      .on_epoch =
          [&](const EpochRecord& record) {
            py::gil_scoped_acquire gil;
            if (callback && py::bool_((*callback)(epoch_dict(record)))) callback_stop = true;
          },
      .stop_requested = [&] { return callback_stop.load() || (signals && signals->received() != 0); }};
  const auto started = std::chrono::steady_clock::now();
  bool finished = false;
  {
    py::gil_scoped_release released;
    finished = run->session().run(hooks);
  }
  const double seconds = seconds_since(started);
  run->set_finished(finished, seconds);
  if (finished) run->session().write_outputs(seconds);
  if (!finished && signals && signals->received() != 0) {
    signals.reset();
    // Raised with the run attached, so that `except KeyboardInterrupt as e: e.run` keeps the work.
    py::object interrupt = py::module_::import("builtins").attr("KeyboardInterrupt")(
        "training stopped after the batches in flight" +
        std::string(run->session().checkpoint_dir() ? "; checkpoint saved in " + run->session().checkpoint_dir()->string() : ""));
    interrupt.attr("run") = py::cast(run);
    PyErr_SetObject(PyExc_KeyboardInterrupt, interrupt.ptr());
    throw py::error_already_set();
  }
  return py::cast(run);
}

}  // namespace

void bind_training(py::module_& module) {
  py::class_<Run, std::shared_ptr<Run>>(module, "Run", "A training run: its history, weights and metrics.")
      .def_property_readonly("history", &Run::history,
                             "One dict per finished epoch: epoch, lr, train_loss, train_accuracy, test_loss, "
                             "test_accuracy (percent), train_seconds, samples_per_second, weight_norms (‖W_l‖ per layer) "
                             "and feedback_angle_degrees (between W_L⋯W_1 and Fᵀ; None unless fully connected PEPITA).")
      .def_property_readonly("finished", &Run::finished, "False when the callback stopped it before its last epoch.")
      .def("weights", &Run::weights,
           "Copies of the weights by name: W1…WL as (units, inputs), a convolution's as (filters, channels*k*k) in\n"
           "oihw order, and PEPITA's fixed feedback F as (input features, classes).")
      .def("summary", &Run::summary, "The dict `pepita train --summary` writes: configuration, accuracy, throughput,\n"
                                     "and scheduler_metrics with each layer's locking latency, staleness and memory.")
      .def("layer_metrics", [](Run& run) {
             const py::dict summary = run.summary();
             const py::dict scheduler = summary["scheduler_metrics"];
             return py::list(scheduler["layers"]);
           },
           "Per layer: updates, locking latency (seconds and stages), staleness, peak soma, dendrite and stash bytes.");
  const std::string doc =
      "train(config, data=None, *, callback=None, checkpoint_dir=None, checkpoint_every=0, resume=False) -> Run\n\n"
      "Trains through the same flow graph as `pepita train`, with the GIL released.\n"
      "data: a DatasetPair (load_dataset) or a (train, test) tuple of Dataset; None loads config's dataset.\n"
      "callback: called with each epoch's metrics as a dict; return True to stop after that epoch.\n"
      "checkpoint_dir: save the run there (at every epoch's end, and every checkpoint_every batches);\n"
      "  a directory that already holds another run is refused (ValueError).\n"
      "resume: continue the run saved in checkpoint_dir, which must be this config's; start afresh if none.\n"
      "Ctrl-C stops training after the batches in flight, saves the checkpoint if there is a checkpoint_dir,\n"
      "and raises KeyboardInterrupt with the partial Run as its .run. A second Ctrl-C ends the process.\n"
      "Bad options raise ValueError, bad files OSError, a diverging run FloatingPointError.\n\n"
      "The options of Config, as `pepita train --help` lists them:\n" +
      train_options_help();
  module.def("train", &train, py::arg("config"), py::arg("data") = py::none(), py::kw_only(),
             py::arg("callback") = py::none(), py::arg("checkpoint_dir") = py::none(), py::arg("checkpoint_every") = 0,
             py::arg("resume") = false, doc.c_str());
}

}  // namespace pepita::python
