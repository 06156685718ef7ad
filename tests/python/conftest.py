# Fixtures of the pepita_flow tests. ctest runs them with PYTHONPATH at the built module and
# PEPITA_CLI at the `pepita` program built beside it (tests/CMakeLists.txt).
import os
import pathlib

import numpy as np
import pytest


@pytest.fixture(scope="session")
def pf():
    import pepita_flow

    return pepita_flow


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("PEPITA_CLI")
    if not path:
        pytest.fail("PEPITA_CLI must name the pepita program (ctest sets it)")
    return pathlib.Path(path)


@pytest.fixture(scope="session")
def data_dir():
    """The directory holding mnist/, as for `pepita train`."""
    path = pathlib.Path(os.environ.get("PEPITA_DATA_DIR", "data"))
    if not (path / "mnist").is_dir():
        pytest.skip(f"no MNIST under {path} (set PEPITA_DATA_DIR)")
    return path


@pytest.fixture(scope="session")
def mnist(pf, data_dir):
    return pf.load_dataset("mnist", data_dir=str(data_dir))


def tiny_arrays(samples=120, classes=3, seed=0):
    """A small learnable problem: each class a bright square in its own corner of an 8×8 image."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, samples)
    x = rng.random((samples, 8, 8), dtype=np.float32) * 0.2
    for c in range(classes):
        r, col = divmod(c, 2)
        x[y == c, 4 * r : 4 * r + 4, 4 * col : 4 * col + 4] += 0.8
    return x, y


@pytest.fixture
def tiny(pf):
    x, y = tiny_arrays()
    return pf.Dataset.from_arrays(x[:90], y[:90]), pf.Dataset.from_arrays(x[90:], y[90:], classes=3)
