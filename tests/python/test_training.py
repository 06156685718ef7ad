# pf.train drives the same engine as `pepita train`: the same configuration gives the same metrics
# and weights bit for bit; callbacks, checkpoints and resumes behave as the command line's.
import csv
import json
import subprocess

import numpy as np
import pytest

from conftest import tiny_arrays


def deterministic_columns(path):
    """The metrics CSV without its timing columns."""
    with open(path) as f:
        return [row[:6] for row in csv.reader(f)]


def inspect(cli, directory):
    """`pepita inspect` of a checkpoint, its path, timing counters and the metrics' timing columns aside."""
    out = subprocess.run([cli, "inspect", directory], check=True, capture_output=True, text=True).stdout
    lines = [line for line in out.splitlines() if "seconds" not in line and not line.startswith("checkpoint ")]
    return [",".join(line.split(",")[:6]) for line in lines]


@pytest.mark.parametrize("scheduler", ["sequential", "gpipe"])
def test_a_python_run_equals_the_command_line_run(pf, cli, data_dir, mnist, tmp_path, scheduler):
    # One thread, as the comparison needs no more: oneDNN's OpenMP threads spin in a barrier per
    # product, and with ctest running another test beside this one they waited for a core.
    options = dict(epochs=2, max_batches=30, hidden=[64, 32], scheduler=scheduler, seed=3, data_dir=str(data_dir), threads=1)
    run = pf.train(
        pf.Config(**options, metrics=str(tmp_path / "py.csv"), summary=str(tmp_path / "py.json")),
        mnist,
        checkpoint_dir=str(tmp_path / "py"),
    )
    command = [cli, "train", "-q", "--metrics", tmp_path / "cli.csv", "--summary", tmp_path / "cli.json",
               "--checkpoint-dir", tmp_path / "cli"]
    for key, value in options.items():
        command += ["--" + key.replace("_", "-"), ",".join(map(str, value)) if isinstance(value, list) else str(value)]
    subprocess.run(command, check=True, capture_output=True)

    assert deterministic_columns(tmp_path / "py.csv") == deterministic_columns(tmp_path / "cli.csv")
    assert inspect(cli, tmp_path / "py") == inspect(cli, tmp_path / "cli")
    cli_summary = json.loads((tmp_path / "cli.json").read_text())
    assert run.summary()["test_accuracy"] == cli_summary["test_accuracy"]
    # The CSV holds 8 significant digits.
    assert [f"{r['test_accuracy']:.8g}" for r in run.history] == [
        f"{float(row[5]):.8g}" for row in deterministic_columns(tmp_path / "cli.csv")[1:]
    ]


def test_whiten_zca_whitens_a_python_run_too_and_leaves_lent_arrays_alone(pf):
    x, y = tiny_arrays()
    data = pf.Dataset.from_arrays(x[:90], y[:90]), pf.Dataset.from_arrays(x[90:], y[90:], classes=3)
    options = dict(epochs=1, hidden=[16], batch_size=10, lr=0.05)
    plain = pf.train(pf.Config(**options), data)
    white = pf.train(pf.Config(**options, whiten="zca"), data)
    assert plain.summary()["whiten"] == "none" and white.summary()["whiten"] == "zca"
    assert not np.array_equal(plain.weights()["W1"], white.weights()["W1"])
    assert np.array_equal(x, tiny_arrays()[0])  # the lent pixels were copied, not whitened in place


def test_history_weights_and_metrics(pf, tiny):
    run = pf.train(pf.Config(epochs=3, hidden=[16], batch_size=10, lr=0.05), tiny)
    assert run.finished and [r["epoch"] for r in run.history] == [1, 2, 3]
    assert run.history[-1]["test_accuracy"] > 60  # three corners to tell apart: chance is 33%
    weights = run.weights()
    assert weights["W1"].shape == (16, 64) and weights["W2"].shape == (3, 16) and weights["F"].shape == (64, 3)
    weights["W1"][:] = 0  # a copy: the run's weights are untouched
    assert np.abs(run.weights()["W1"]).sum() > 0
    layers = run.layer_metrics()
    assert [layer["name"] for layer in layers] == ["hidden 1", "output 2"]
    assert all(layer["updates"] == 3 * 9 for layer in layers)
    assert run.summary()["rule"] == "pepita"


def test_the_callback_sees_each_epoch_and_can_stop(pf, tiny):
    seen = []

    def callback(metrics):
        seen.append(metrics["epoch"])
        return metrics["epoch"] == 2

    run = pf.train(pf.Config(epochs=5, hidden=[16], batch_size=10, lr=0.05), tiny, callback=callback)
    assert seen == [1, 2] and not run.finished and len(run.history) == 2


def test_a_callback_error_propagates(pf, tiny):
    def callback(metrics):
        raise RuntimeError("from the callback")

    with pytest.raises(RuntimeError, match="from the callback"):
        pf.train(pf.Config(epochs=2, hidden=[8], batch_size=10), tiny, callback=callback)


def test_a_stopped_run_resumes_to_the_uninterrupted_weights(pf, tiny, tmp_path):
    config = pf.Config(epochs=4, hidden=[16], batch_size=10, lr=0.05)
    whole = pf.train(config, tiny)
    stopped = pf.train(config, tiny, callback=lambda m: m["epoch"] == 2, checkpoint_dir=str(tmp_path))
    assert not stopped.finished
    resumed = pf.train(config, tiny, checkpoint_dir=tmp_path, resume=True)  # a pathlib.Path is taken too
    assert [r["epoch"] for r in resumed.history] == [1, 2, 3, 4]
    for name, array in whole.weights().items():
        np.testing.assert_array_equal(resumed.weights()[name], array)
    with pytest.raises(ValueError, match="another configuration"):
        pf.train(pf.Config(epochs=4, hidden=[16], batch_size=10, lr=0.01), tiny, checkpoint_dir=str(tmp_path), resume=True)
    with pytest.raises(ValueError, match="already holds a checkpoint"):
        pf.train(config, tiny, checkpoint_dir=str(tmp_path))


def test_bad_configurations_raise_value_error_with_the_cli_message(pf, tiny):
    with pytest.raises(ValueError, match="--lr must be a finite number > 0"):
        pf.Config(lr=-1)
    with pytest.raises(ValueError, match="unrecognised option '--bogus'"):
        pf.Config(bogus=1)
    with pytest.raises(ValueError, match="'nope' is not one of: pepita, pepita-forward, pepita-mixed, pepita-mixed-tl, mempepita, bp"):
        pf.Config(rule="nope")
    with pytest.raises(ValueError, match="train"):
        pf.Config(resume="somewhere")
    with pytest.raises(ValueError, match="larger than the training set"):
        pf.train(pf.Config(batch_size=1000), tiny)
    with pytest.raises(TypeError):
        pf.train(pf.Config(), "mnist")


def test_config_keeps_the_command_lines_defaults(pf):
    assert pf.Config().lr == 0.1 and pf.Config().hidden == [1024] and pf.Config().epochs == 100
    assert pf.Config(rule="bp", dataset="cifar10").lr == 0.01  # Table 2's rate for the rule and data set
    bp = pf.Config(rule="bp", hidden=[], quiet=True).as_dict()
    assert bp["rule"] == "bp" and bp["hidden"] == "none"
    assert "--batch-size" in pf.Config.__doc__ and "--batch-size" in pf.train.__doc__


def test_compare_returns_its_rows(pf, data_dir):
    rows = pf.compare(rules="pepita,bp", schedulers="sequential", depths=[1], batch_sizes=[16], batches=4, width=16,
                      data_dir=str(data_dir))
    assert [(r["rule"], r["layer"]) for r in rows] == [("pepita", 1), ("pepita", 2), ("bp", 1), ("bp", 2)]
    assert all(r["samples_per_second"] > 0 for r in rows)
    with pytest.raises(ValueError, match="--width must be"):
        pf.compare(width=0, data_dir=str(data_dir))
