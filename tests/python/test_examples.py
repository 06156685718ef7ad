# examples/python runs as its docstring says.
import pathlib
import subprocess
import sys

EXAMPLE = pathlib.Path(__file__).parents[2] / "examples" / "python" / "train_mnist.py"


def test_the_python_example_trains(data_dir):
    out = subprocess.run([sys.executable, EXAMPLE, "--data-dir", str(data_dir), "--epochs", "1", "--max-batches", "40"],
                         check=True, capture_output=True, text=True).stdout
    lines = out.splitlines()
    assert lines[0].startswith("epoch 1: test accuracy ")
    assert float(lines[0].split()[-1].rstrip("%")) > 50  # 40 batches of 64 take PEPITA well past chance
    assert lines[1].startswith("W1 (1024, 784)")
    assert lines[2].startswith("hidden 1: locking latency")
