// pf.Dataset and pf.load_dataset: the library's data sets, and numpy arrays lent to the engine.
#include <cmath>
#include <optional>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "bindings.hpp"
#include "data/data_dir.hpp"
#include "graph/divergence.hpp"
#include "python_dataset.hpp"

namespace pepita::python {

namespace {

// Keeps `array` alive for as long as the engine reads its pixels. The last owner may let go on a
// thread without the GIL (a trainer's end), so the release takes it.
std::shared_ptr<const float> borrow(py::array_t<float> array) {
  auto* keeper = new py::object(array);
  return std::shared_ptr<const float>(array.data(), [keeper](const float*) {
    py::gil_scoped_acquire gil;
    delete keeper;
  });
}

// Pixels as float32 in C order: the array itself when it already is (no copy), a converted copy
// when it is float16/float64, and uint8 scaled from 0–255 to [0, 1] as the file loaders do.
py::array_t<float> float_pixels(const py::array& x) {
  const char kind = x.dtype().kind();
  if (kind == 'u' && x.itemsize() == 1) {
    const auto bytes = py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast>::ensure(x);
    py::array_t<float> scaled(std::vector<py::ssize_t>(x.shape(), x.shape() + x.ndim()));
    const std::uint8_t* in = bytes.data();
    float* out = scaled.mutable_data();
    for (py::ssize_t i = 0; i < bytes.size(); ++i) out[i] = float(in[i]) / 255.0f;
    return scaled;
  }
  if (kind != 'f')
    throw py::value_error("x: pixels must be float32, float64, float16 or uint8, not " + std::string(py::str(x.dtype())));
  return py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(x);
}

ImageShape image_shape(const py::array& x, const std::optional<std::tuple<int, int, int>>& shape) {
  const auto dim = [&](int d) { return int(x.shape(d)); };
  ImageShape image;
  switch (x.ndim()) {
    case 2: image = {1, 1, dim(1)}; break;
    case 3: image = {1, dim(1), dim(2)}; break;
    case 4: image = {dim(1), dim(2), dim(3)}; break;
    default:
      throw py::value_error("x must be (samples, features), (samples, height, width) or (samples, channels, height, "
                            "width), not " + std::to_string(x.ndim()) + "-dimensional");
  }
  if (shape) {
    const auto [c, h, w] = *shape;
    const ImageShape given{c, h, w};
    if (c < 1 || h < 1 || w < 1 || given.size() != image.size())
      throw py::value_error("shape (" + std::to_string(c) + ", " + std::to_string(h) + ", " + std::to_string(w) +
                            ") does not hold the " + std::to_string(image.size()) + " values of each sample of x");
    image = given;
  }
  if (image.size() == 0) throw py::value_error("x has samples of no values");
  return image;
}

std::vector<std::int32_t> checked_labels(const py::array& y, std::size_t samples, std::optional<int>& classes) {
  const char kind = y.dtype().kind();
  if (kind != 'i' && kind != 'u')
    throw py::value_error("y: labels must be integers, not " + std::string(py::str(y.dtype())));
  if (y.ndim() != 1 || std::size_t(y.shape(0)) != samples)
    throw py::value_error("y must be one label per sample of x: " + std::to_string(samples) + " labels");
  const auto values = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(y);
  std::int64_t highest = -1;
  for (py::ssize_t i = 0; i < values.size(); ++i) {
    if (values.data()[i] < 0)
      throw py::value_error("y: label " + std::to_string(values.data()[i]) + " of sample " + std::to_string(i) + " is negative");
    highest = std::max(highest, values.data()[i]);
  }
  if (!classes) classes = int(std::max<std::int64_t>(highest + 1, 2));
  if (*classes < 2) throw py::value_error("classes must be at least 2");
  if (highest >= *classes)
    throw py::value_error("y: label " + std::to_string(highest) + " is outside the " + std::to_string(*classes) + " classes");
  return {values.data(), values.data() + values.size()};
}

Dataset from_arrays(const py::array& x, const py::array& y, std::optional<int> classes,
                    std::optional<std::tuple<int, int, int>> shape, const std::string& name) {
  if (x.ndim() < 1 || x.shape(0) < 1) throw py::value_error("x holds no samples");
  Dataset set{.name = name, .shape = image_shape(x, shape)};
  set.labels = checked_labels(y, std::size_t(x.shape(0)), classes);
  set.classes = *classes;
  const py::array_t<float> pixels = float_pixels(x);
  const std::span<const float> values(pixels.data(), std::size_t(pixels.size()));
  if (!all_finite(values)) {
    std::size_t at = 0;
    while (std::isfinite(values[at])) ++at;
    throw py::value_error("x: sample " + std::to_string(at / set.shape.size()) + " holds a non-finite pixel (" +
                          std::to_string(values[at]) + ")");
  }
  set.borrowed_images = borrow(pixels);
  return set;
}

// The pixels as a read-only (samples, channels, height, width) view that keeps them alive.
py::array images_view(const Dataset& set) {
  auto* keeper = new std::shared_ptr<const float>(set.borrowed_images);
  const py::capsule owner(keeper, [](void* p) { delete static_cast<std::shared_ptr<const float>*>(p); });
  const ImageShape& s = set.shape;
  py::array view(py::dtype::of<float>(), {py::ssize_t(set.size()), py::ssize_t(s.channels), py::ssize_t(s.height), py::ssize_t(s.width)},
                 set.pixels(), owner);
  py::detail::array_proxy(view.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return view;
}

}  // namespace

Dataset with_shared_pixels(Dataset set) {
  if (set.borrowed_images) return set;
  auto owned = std::make_shared<std::vector<float>>(std::move(set.images));
  set.images = {};
  set.borrowed_images = std::shared_ptr<const float>(owned, owned->data());
  return set;
}

DatasetPair dataset_pair_from(const py::handle& data) {
  if (py::isinstance<DatasetPair>(data)) return data.cast<DatasetPair>();
  if (py::isinstance<py::tuple>(data) && py::len(data) == 2) {
    const auto pair = data.cast<py::tuple>();
    if (py::isinstance<Dataset>(pair[0]) && py::isinstance<Dataset>(pair[1]))
      return {pair[0].cast<Dataset>(), pair[1].cast<Dataset>()};
  }
  throw py::type_error("data must be a DatasetPair (load_dataset) or a (train, test) tuple of Dataset");
}

void bind_datasets(py::module_& module) {
  py::class_<Dataset>(module, "Dataset",
                      "A labelled image set: float pixels (samples × channels × height × width) and int labels.")
      .def_static("from_arrays", &from_arrays, py::arg("x"), py::arg("y"), py::kw_only(), py::arg("classes") = py::none(),
                  py::arg("shape") = py::none(), py::arg("name") = "arrays",
                  "Dataset.from_arrays(x, y, *, classes=None, shape=None, name='arrays')\n\n"
                  "x: (samples, features), (samples, height, width) or (samples, channels, height, width) pixels in\n"
                  "[0, 1]. A float32 C-contiguous x is lent to the engine, not copied: do not change it while it is\n"
                  "in use. float16/float64 are converted; uint8 is scaled from 0-255 to [0, 1] as the file loaders do.\n"
                  "y: one integer label per sample, in [0, classes); classes defaults to the largest label + 1.\n"
                  "shape: (channels, height, width) for a 2-D x (default (1, 1, features)).\n"
                  "Raises ValueError for a wrong dtype or shape, a label out of range, or a NaN or infinite pixel.")
      .def("__len__", &Dataset::size)
      .def_readonly("name", &Dataset::name)
      .def_readonly("classes", &Dataset::classes)
      .def_property_readonly("shape", [](const Dataset& d) { return py::make_tuple(d.shape.channels, d.shape.height, d.shape.width); },
                             "(channels, height, width) of one sample")
      .def_property_readonly("images", &images_view, "The pixels, a read-only float32 view (no copy).")
      .def_property_readonly("labels", [](const Dataset& d) { return py::array_t<std::int32_t>(py::ssize_t(d.size()), d.labels.data()); },
                             "The labels, a copy as int32.")
      .def("__repr__", [](const Dataset& d) {
        return "pepita_flow.Dataset('" + d.name + "', " + std::to_string(d.size()) + " samples of " +
               std::to_string(d.shape.channels) + "x" + std::to_string(d.shape.height) + "x" +
               std::to_string(d.shape.width) + ", " + std::to_string(d.classes) + " classes)";
      });
  py::class_<DatasetPair>(module, "DatasetPair", "A training set and its test set.")
      .def(py::init([](const Dataset& train, const Dataset& test) { return DatasetPair{train, test}; }),
           py::arg("train"), py::arg("test"))
      .def_readonly("train", &DatasetPair::train)
      .def_readonly("test", &DatasetPair::test);
  module.def(
      "load_dataset",
      [](const std::string& name, std::optional<std::filesystem::path> data_dir, const std::string& cifar100_labels) {
        if (cifar100_labels != "fine" && cifar100_labels != "coarse")
          throw py::value_error("cifar100_labels must be 'fine' or 'coarse'");
        const LoadOptions options{cifar100_labels == "fine" ? Cifar100Labels::fine : Cifar100Labels::coarse};
        const std::filesystem::path dir = resolve_data_dir(data_dir ? std::optional<std::string>(data_dir->string()) : std::nullopt);
        py::gil_scoped_release released;
        DatasetPair pair = load_dataset(name, dir, options);
        return DatasetPair{with_shared_pixels(std::move(pair.train)), with_shared_pixels(std::move(pair.test))};
      },
      py::arg("name") = "mnist", py::arg("data_dir") = py::none(), py::arg("cifar100_labels") = "fine",
      "load_dataset(name='mnist', data_dir=None, cifar100_labels='fine') -> DatasetPair\n\n"
      "name: mnist, cifar10, cifar100, or idx:DIR (the four MNIST-format files in DIR). data_dir defaults to\n"
      "$PEPITA_DATA_DIR, as for `pepita train`. Raises OSError naming the file for missing or bad data.");
}

}  // namespace pepita::python
