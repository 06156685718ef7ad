# Ctrl-C stops a Python training run after the batches in flight, saves its checkpoint and raises
# KeyboardInterrupt carrying the run; many runs leak neither references nor memory.
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import tiny_arrays

INTERRUPTED = textwrap.dedent(
    """
    import sys, numpy as np, pepita_flow as pf
    rng = np.random.default_rng(0)
    x = rng.random((20000, 64), dtype=np.float32)
    y = rng.integers(0, 10, 20000)
    data = (pf.Dataset.from_arrays(x, y), pf.Dataset.from_arrays(x[:100], y[:100]))
    # One thread: at batch 1 oneDNN's OpenMP threads spin in a barrier per product, and with ctest
    # running another test beside this one they waited minutes for a core before epoch 1 ended.
    config = pf.Config(epochs=1000, hidden=[256, 256], batch_size=1, lr=0.001, threads=1)
    def callback(metrics):
        print("epoch", metrics["epoch"], flush=True)
    try:
        pf.train(config, data, callback=callback, checkpoint_dir=sys.argv[1])
        print("finished?!")
    except KeyboardInterrupt as stop:
        print("interrupted", len(stop.run.history), stop, flush=True)
    """
)


def test_ctrl_c_stops_training_cleanly(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(INTERRUPTED)
    process = subprocess.Popen([sys.executable, script, tmp_path / "run"], stdout=subprocess.PIPE, text=True)
    # An epoch of 20000 batches of one sample takes seconds: the signal lands inside the second.
    assert process.stdout.readline().strip() == "epoch 1"
    time.sleep(0.5)
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=30)
    assert time.monotonic() - sent < 5, "the stop waited for more than the batches in flight"
    assert process.returncode == 0
    assert out.startswith("interrupted 1 training stopped after the batches in flight; checkpoint saved in"), out
    assert (tmp_path / "run" / "checkpoint.pepita").is_file()


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_a_hundred_trainings_leak_no_references_nor_memory(pf):
    x, y = tiny_arrays(samples=60)
    train, test = pf.Dataset.from_arrays(x[:40], y[:40]), pf.Dataset.from_arrays(x[40:], y[40:], classes=3)
    config = pf.Config(epochs=1, hidden=[8], batch_size=10)
    callback = lambda metrics: None  # noqa: E731

    def train_once():
        run = pf.train(config, (train, test), callback=callback)
        run.weights(), run.summary(), run.history

    for _ in range(10):  # warm up: allocator pools, oneDNN's primitive cache, thread pools
        train_once()
    counts = [sys.getrefcount(o) for o in (x, train, test, config, callback)]
    before = resident_bytes()
    for _ in range(100):
        train_once()
    assert [sys.getrefcount(o) for o in (x, train, test, config, callback)] == counts
    assert resident_bytes() - before < 8 << 20, "100 trainings kept more than 8 MiB"
