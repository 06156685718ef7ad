#include "known_shapes.hpp"

#include "cli.hpp"

namespace pepita::cli {

namespace {
constexpr KnownShape known_shapes[] = {{"mnist", {1, 28, 28}, 10, 60000},
                                       {"mnist-hard", {1, 28, 28}, 10, 60000},
                                       {"cifar10", {3, 32, 32}, 10, 50000},
                                       {"cifar100", {3, 32, 32}, 100, 50000}};
}

const KnownShape& known_shape(const std::string& dataset, const std::string& command) {
  for (const KnownShape& known : known_shapes)
    if (dataset == known.dataset) return known;
  throw UsageError("--dataset " + dataset + ": " + command +
                   " needs a data set of known shape (mnist, cifar10, cifar100); an idx data set's classes are known only from "
                   "its labels");
}

std::string dimensions(const ImageShape& shape, const std::string& times) {
  return std::to_string(shape.channels) + times + std::to_string(shape.height) + times + std::to_string(shape.width);
}

}  // namespace pepita::cli
