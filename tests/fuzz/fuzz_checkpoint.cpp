// The checkpoint decoder, in memory. Each input is decoded twice: as it is, which exercises the
// envelope checks, and resealed with a matching size and checksum, without which random bytes
// would hardly ever get past the checksum to the content parser.
#include "tests/fuzz/fuzz_input.hpp"
#include "train/checkpoint_codec.hpp"

namespace {

void decode(std::string_view bytes) {
  using namespace pepita;
  fuzz::tolerate<CheckpointError>([&] {
    const Checkpoint checkpoint = decode_checkpoint(bytes, "fuzz-input");
    // The format has a single encoding for each checkpoint, so what decodes re-encodes exactly.
    fuzz::require(encode_checkpoint(checkpoint) == bytes, "decoding then encoding gives the input");
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  decode(bytes);
  if (bytes.size() >= pepita::checkpoint_envelope_size) {
    pepita::reseal_checkpoint(bytes);
    decode(bytes);
  }
  return 0;
}
