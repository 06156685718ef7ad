// The idx image reader (MNIST and look-alikes), raw or gzipped.
#include "data/idx_reader.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pepita;
  const std::filesystem::path& file = fuzz::input_file({data, size});
  fuzz::tolerate<DataError>([&] {
    const IdxImages images = read_idx_images(file);
    fuzz::require(images.count > 0 && images.shape.size() > 0, "images are never empty");
    fuzz::require(images.pixels.size() == images.count * images.shape.size(),
                  "one pixel per byte the header declares");
    for (float pixel : images.pixels) fuzz::require(pixel >= 0 && pixel <= 1, "pixels in [0, 1]");
  });
  return 0;
}
