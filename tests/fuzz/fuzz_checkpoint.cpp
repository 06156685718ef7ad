// The checkpoint decoder, in memory. Each input is decoded twice: as it is, which exercises the
// envelope checks, and resealed with a matching size and checksum, without which random bytes
// would hardly ever get past the checksum to the content parser.
#include "tests/fuzz/fuzz_input.hpp"
#include "train/checkpoint_codec.hpp"
#include "train/checkpoint_parts.hpp"

namespace {

void decode(std::string_view bytes) {
  using namespace pepita;
  fuzz::tolerate<CheckpointError>([&] {
    const Checkpoint checkpoint = decode_checkpoint(bytes, "fuzz-input");
    // The format has a single encoding for each checkpoint, so what decodes re-encodes exactly.
    fuzz::require(encode_checkpoint(checkpoint) == bytes, "decoding then encoding gives the input");
    // A manifest of a run across ranks (train/checkpoint_parts.hpp): its part counters are read
    // when a rank joins it, with no part and with the input itself as rank 0's part.
    if (!is_manifest(checkpoint)) return;
    join_parts(checkpoint, "fuzz-input", {});
    const PartBytes itself[] = {{0, "fuzz-part", std::string(bytes)}};
    join_parts(checkpoint, "fuzz-input", itself);
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
