// The CIFAR record reader, built once per record layout: PEPITA_FUZZ_CIFAR_LABEL is cifar10 for
// fuzz_cifar10 and cifar100_fine for fuzz_cifar100.
#include "data/cifar_reader.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pepita;
  constexpr CifarLabel label = CifarLabel::PEPITA_FUZZ_CIFAR_LABEL;
  const std::filesystem::path& file = fuzz::input_file({data, size});
  fuzz::tolerate<DataError>([&] {
    const CifarRecords records = read_cifar_file(file, label);
    fuzz::require(records.size() > 0, "records are never empty");
    fuzz::require(records.images.size() == records.size() * cifar_image_shape.size(),
                  "one image per label");
    for (std::int32_t stored : records.labels) {
      fuzz::require(stored >= 0 && stored <= 255, "labels are bytes");
    }
  });
  return 0;
}
