#include "layers/image_layout.hpp"

namespace pepita {

bool can_block(ImageShape shape) { return shape.channels % 16 == 0; }

dnnl::memory::desc image_desc(int rows, ImageShape shape, ImageLayout layout) {
  using tag = dnnl::memory::format_tag;
  return dnnl::memory::desc({rows, shape.channels, shape.height, shape.width}, dnnl::memory::data_type::f32,
                            layout == ImageLayout::blocked ? tag::nChw16c : tag::nchw);
}

int window_positions(int size, int window, int stride, int padding) {
  const int room = size + 2 * padding - window;  // how far the window can move; negative if it does not fit
  return room < 0 ? 0 : room / stride + 1;
}

}  // namespace pepita
