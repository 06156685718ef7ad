// The idx label reader (MNIST and look-alikes), raw or gzipped.
#include "data/idx_reader.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pepita;
  const std::filesystem::path& file = fuzz::input_file({data, size});
  fuzz::tolerate<DataError>([&] {
    const std::vector<std::int32_t> labels = read_idx_labels(file);
    fuzz::require(!labels.empty(), "labels are never empty");
    for (std::int32_t label : labels) fuzz::require(label >= 0 && label <= 255, "labels are bytes");
  });
  return 0;
}
