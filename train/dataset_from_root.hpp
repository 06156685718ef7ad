#pragma once
// The data set on every rank of a job, read from disk by the root alone. The root runs the input
// node, so only it needs the pixels; the other ranks need the shapes and the labels (the error
// node scores against them), and take them from the root. So the data files need to be on the
// root's machine only, and no other rank spends the time to read and inflate them.
#include <functional>

#include "data/dataset.hpp"
#include "graph/remote_link.hpp"

namespace pepita {

// Every rank calls it, in the same place. On the root: `load()`, then its shapes and labels to
// every other rank. If `load()` throws, every rank learns it: the root rethrows its error (its
// one line names the file), the others throw a RemoteFailure, which the root's line already
// reports. On another rank: the root's shapes and labels, without pixels (`images` empty).
DatasetPair dataset_from_root(RemoteLink& link, const std::function<DatasetPair()>& load);

}  // namespace pepita
