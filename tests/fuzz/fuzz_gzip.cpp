// The byte source every reader shares: raw files pass through, gzip ones are inflated.
#include <algorithm>

#include "data/byte_source.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pepita;
  const std::span<const std::uint8_t> input(data, size);
  const std::filesystem::path& file = fuzz::input_file(input);
  std::vector<std::uint8_t> whole, streamed;
  const auto whole_error = fuzz::error_of<DataError>([&] {
    whole = read_file_bytes(file);
    const bool gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    fuzz::require(gzip || std::ranges::equal(whole, input), "a raw file reads as it is");
  });
  const auto stream_error = fuzz::error_of<DataError>([&] {
    stream_file_bytes(file, [&](std::span<const std::uint8_t> piece) { streamed.insert(streamed.end(), piece.begin(), piece.end()); });
  });
  fuzz::require(whole_error == stream_error, "a file streamed is refused exactly when, and as, it is refused read whole");
  fuzz::require(whole_error || streamed == whole, "a file streamed gives the bytes it gives read whole");
  return 0;
}
