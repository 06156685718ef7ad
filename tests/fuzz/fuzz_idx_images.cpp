// The idx image reader (MNIST and look-alikes), raw or gzipped.
#include "data/idx_reader.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pepita;
  const std::filesystem::path& file = fuzz::input_file({data, size});
  IdxImages images, skipped;
  const auto error = fuzz::error_of<DataError>([&] {
    images = read_idx_images(file);
    fuzz::require(images.count > 0 && images.shape.size() > 0, "images are never empty");
    fuzz::require(images.pixels.size() == images.count * images.shape.size(),
                  "one pixel per byte the header declares");
    for (float pixel : images.pixels) fuzz::require(pixel >= 0 && pixel <= 1, "pixels in [0, 1]");
  });
  // Without pixels the file streams past and is never held: the verdict must not change.
  const auto skip_error = fuzz::error_of<DataError>([&] { skipped = read_idx_images(file, Pixels::skip); });
  fuzz::require(error == skip_error, "Pixels::skip refuses a file exactly when, and as, keep does");
  fuzz::require(error || (skipped.count == images.count && skipped.shape.channels == images.shape.channels &&
                          skipped.shape.height == images.shape.height && skipped.shape.width == images.shape.width &&
                          skipped.pixels.empty()),
                "Pixels::skip gives keep's count and shape, and no pixels");
  return 0;
}
