#pragma once
// Images as tensor rows: a batch of `rows` images of one shape, one sample per row, and the
// geometry of windows sliding over them (convolution and pooling share it).
#include <oneapi/dnnl/dnnl.hpp>

#include "data/dataset.hpp"

namespace pepita {

// How images lie in a tensor's row. nchw is the data sets' order and what a dense layer reads.
// blocked (nChw16c) is the order oneDNN's convolution and pooling kernels work in: a
// convolution that feeds a pool hands its activity on blocked, saving a reorder each way per pass.
// Either way a row is one sample, so element-wise work needs only both operands alike.
enum class ImageLayout { nchw, blocked };

// Whether `shape` can be held blocked in exactly as many floats as in nchw.
bool can_block(ImageShape shape);

// A batch of `rows` images of `shape` as one float memory descriptor.
dnnl::memory::desc image_desc(int rows, ImageShape shape, ImageLayout layout = ImageLayout::nchw);

// How many positions a window of `window` moved by `stride` takes along `size` padded by `padding`.
int window_positions(int size, int window, int stride, int padding);

}  // namespace pepita
