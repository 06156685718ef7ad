#include "graph/wire_format.hpp"

namespace pepita {

std::vector<std::byte> encode_wire(WireHeader header, std::span<const std::byte> payload) {
  header.magic = wire_magic;
  header.payload_bytes = payload.size();
  std::vector<std::byte> bytes(sizeof(WireHeader) + payload.size());
  std::memcpy(bytes.data(), &header, sizeof header);
  if (!payload.empty()) std::memcpy(bytes.data() + sizeof header, payload.data(), payload.size());
  return bytes;
}

std::vector<std::byte> encode_message(const Message& message, std::uint32_t run, std::uint32_t edge, std::uint16_t sender,
                                      std::uint64_t weight_version) {
  WireHeader header{.kind = WireKind::message,
                    .pass = message.pass,
                    .sender = sender,
                    .run = run,
                    .edge = edge,
                    .batch = message.batch->id,
                    .hops = message.hops,
                    .weight_version = weight_version};
  std::span<const std::byte> payload;
  if (message.activity) {
    header.rows = message.activity->rows;
    header.features = message.activity->features;
    payload = std::as_bytes(message.activity->values());
  }
  return encode_wire(header, payload);
}

std::vector<std::byte> encode_event(const BatchEvent& event, std::uint32_t run, std::uint32_t edge, std::uint16_t sender) {
  return encode_wire({.kind = WireKind::event, .sender = sender, .run = run, .edge = edge, .batch = event.batch, .layer = event.layer});
}

std::vector<std::byte> encode_control(WireKind kind, std::uint32_t run, std::uint16_t sender, std::uint64_t value,
                                      const std::string& text) {
  return encode_wire({.kind = kind, .sender = sender, .run = run, .batch = value}, std::as_bytes(std::span(text)));
}

WireMessage decode_wire(std::span<const std::byte> bytes) {
  if (bytes.size() < sizeof(WireHeader))
    throw WireError("a message of " + std::to_string(bytes.size()) + " bytes is shorter than its header (" +
                    std::to_string(sizeof(WireHeader)) + ")");
  WireMessage wire;
  std::memcpy(&wire.header, bytes.data(), sizeof(WireHeader));
  const WireHeader& h = wire.header;
  if (h.magic != wire_magic) throw WireError("a message without pepita-flow's magic number arrived");
  if (h.kind > WireKind::abort) throw WireError("a message of unknown kind " + std::to_string(int(h.kind)) + " arrived");
  if (h.pass > Pass::mirror) throw WireError("a message of unknown pass " + std::to_string(int(h.pass)) + " arrived");
  wire.payload = bytes.subspan(sizeof(WireHeader));
  if (h.payload_bytes != wire.payload.size())
    throw WireError("a message says it carries " + std::to_string(h.payload_bytes) + " bytes but carries " +
                    std::to_string(wire.payload.size()));
  if (h.kind == WireKind::message) {
    if (h.rows < 0 || h.features < 0 || std::uint64_t(h.rows) * std::uint64_t(h.features) * sizeof(float) != h.payload_bytes)
      throw WireError(std::string("a ") + to_string(h.pass) + " message of " + std::to_string(h.rows) + " × " +
                      std::to_string(h.features) + " values carries " + std::to_string(h.payload_bytes) + " bytes");
  } else if (h.kind == WireKind::event && !wire.payload.empty()) {
    throw WireError("an update event carries a payload");
  }
  return wire;
}

}  // namespace pepita
