// The byte source every reader shares: raw files pass through, gzip ones are inflated.
#include <algorithm>

#include "data/byte_source.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pepita;
  const std::span<const std::uint8_t> input(data, size);
  const std::filesystem::path& file = fuzz::input_file(input);
  fuzz::tolerate<DataError>([&] {
    const std::vector<std::uint8_t> bytes = read_file_bytes(file);
    const bool gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    fuzz::require(gzip || std::ranges::equal(bytes, input), "a raw file reads as it is");
  });
  return 0;
}
