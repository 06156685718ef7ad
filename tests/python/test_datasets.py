# pf.Dataset: numpy arrays lent to the engine without a copy where the layout allows, converted where
# it does not, and refused with a ValueError that names the problem.
import numpy as np
import pytest

from conftest import tiny_arrays


def test_float32_c_order_pixels_are_lent_not_copied(pf):
    x, y = tiny_arrays()
    data = pf.Dataset.from_arrays(x, y)
    assert np.shares_memory(data.images, x)
    assert data.images.shape == (120, 1, 8, 8)
    assert not data.images.flags.writeable
    assert len(data) == 120 and data.classes == 3 and data.shape == (1, 8, 8)
    assert (data.labels == y).all()


def test_a_lent_array_outlives_its_python_name(pf):
    x, y = tiny_arrays()
    expected = x.copy()
    data = pf.Dataset.from_arrays(x, y)
    del x
    assert (data.images[:, 0] == expected).all()


def test_other_layouts_are_converted(pf):
    x, y = tiny_arrays()
    as_double = pf.Dataset.from_arrays(x.astype(np.float64), y)
    assert not np.shares_memory(as_double.images, x)
    np.testing.assert_array_equal(as_double.images[:, 0], x)
    fortran = pf.Dataset.from_arrays(np.asfortranarray(x), y)
    np.testing.assert_array_equal(fortran.images[:, 0], x)
    as_bytes = pf.Dataset.from_arrays(np.full((4, 2, 2), 255, np.uint8), np.arange(4))
    assert (as_bytes.images == 1.0).all()  # scaled to [0, 1] as the file loaders do


def test_shapes(pf):
    x, y = tiny_arrays()
    assert pf.Dataset.from_arrays(x.reshape(120, 64), y).shape == (1, 1, 64)
    assert pf.Dataset.from_arrays(x.reshape(120, 64), y, shape=(1, 8, 8)).shape == (1, 8, 8)
    assert pf.Dataset.from_arrays(x.reshape(120, 1, 8, 8), y).shape == (1, 8, 8)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda x, y: (x.astype(np.int32), y), "pixels must be float32"),
        (lambda x, y: (x.astype(np.complex64), y), "pixels must be float32"),
        (lambda x, y: (x, y[:-1]), "one label per sample"),
        (lambda x, y: (x, y.astype(np.float32)), "labels must be integers"),
        (lambda x, y: (x, y.reshape(60, 2)), "one label per sample"),
        (lambda x, y: (x, -y - 1), "is negative"),
        (lambda x, y: (x[:0], y[:0]), "no samples"),
        (lambda x, y: (x.reshape(120, 2, 4, 2, 4), y), "5-dimensional"),
    ],
)
def test_bad_arrays_raise_value_error(pf, make, message):
    x, y = make(*tiny_arrays())
    with pytest.raises(ValueError, match=message):
        pf.Dataset.from_arrays(x, y)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_pixels_are_refused_naming_the_sample(pf, bad):
    x, y = tiny_arrays()
    x[7, 3, 3] = bad
    with pytest.raises(ValueError, match="sample 7 holds a non-finite pixel"):
        pf.Dataset.from_arrays(x, y)


def test_labels_outside_the_classes(pf):
    x, y = tiny_arrays()
    with pytest.raises(ValueError, match="label 2 is outside the 2 classes"):
        pf.Dataset.from_arrays(x, y, classes=2)
    with pytest.raises(ValueError, match="shape"):
        pf.Dataset.from_arrays(x, y, shape=(1, 7, 7))


def test_load_dataset(pf, mnist):
    assert len(mnist.train) == 60000 and len(mnist.test) == 10000
    assert mnist.train.shape == (1, 28, 28) and mnist.train.classes == 10
    assert 0.0 <= float(mnist.train.images[0].min()) and float(mnist.train.images[0].max()) <= 1.0


def test_missing_files_raise_os_error(pf, tmp_path):
    with pytest.raises(OSError, match="mnist"):
        pf.load_dataset("mnist", data_dir=tmp_path)
    with pytest.raises(ValueError):
        pf.load_dataset("mnist", data_dir=str(tmp_path), cifar100_labels="medium")
