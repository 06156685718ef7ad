#pragma once
// The bytes a message is while it crosses from one process's graph to another's (distributed/):
// a fixed header, then the payload. Every rank runs the same build on the same kind of machine (the
// header is copied as it lies in memory, little-endian x86-64), so no field needs converting; what
// is checked is what a wrong or damaged message would break: the magic, the kind, the run, and that
// the payload's size is what the header says.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "graph/message.hpp"

namespace pepita {

// A message that cannot be placed: its bytes do not decode, or it names an edge, batch or run that
// the receiving graph does not have. A one-line error, never a hang.
struct WireError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class WireKind : std::uint8_t {
  message,  // a Message along a graph edge: activity rows × features
  event,    // a BatchEvent (a layer updated, a batch was scored) to the completion node
  stop,     // the run is over everywhere; `batch` holds how many batches it trained
  abort,    // the sender's part of the graph failed; the payload is its one-line error
};

struct WireHeader {
  std::uint32_t magic = 0;
  WireKind kind = WireKind::message;
  Pass pass = Pass::standard;
  std::uint16_t sender = 0;          // the sending rank
  std::uint32_t run = 0;             // which run of the graph it belongs to
  std::uint32_t edge = 0;            // the graph's edge, by its index in TrainingGraph::edges()
  std::uint64_t batch = 0;           // the batch id (stop: batches trained)
  std::uint32_t hops = 0;            // the batch's logical clock
  std::int32_t layer = -1;           // event: the layer that updated, or -1 for a scored batch
  std::uint64_t weight_version = 0;  // a sending layer's updates so far: which W it computed with
  std::int32_t rows = 0;
  std::int32_t features = 0;
  std::uint64_t payload_bytes = 0;
};
static_assert(std::is_trivially_copyable_v<WireHeader>);

inline constexpr std::uint32_t wire_magic = 0x31574650;  // "PFW1"

// What a received buffer holds: the header and a view of the payload inside the buffer.
struct WireMessage {
  WireHeader header;
  std::span<const std::byte> payload;
  std::string text() const { return {reinterpret_cast<const char*>(payload.data()), payload.size()}; }
};

// A header followed by `payload`.
std::vector<std::byte> encode_wire(WireHeader header, std::span<const std::byte> payload = {});
// The activity's values as the payload of a message on `edge`.
std::vector<std::byte> encode_message(const Message& message, std::uint32_t run, std::uint32_t edge, std::uint16_t sender,
                                      std::uint64_t weight_version);
std::vector<std::byte> encode_event(const BatchEvent& event, std::uint32_t run, std::uint32_t edge, std::uint16_t sender);
std::vector<std::byte> encode_control(WireKind kind, std::uint32_t run, std::uint16_t sender, std::uint64_t value = 0,
                                      const std::string& text = {});
// Checks the envelope; throws WireError naming what is wrong. The view points into `bytes`.
WireMessage decode_wire(std::span<const std::byte> bytes);

// Plain values and float arrays one after another, for what ranks gather between runs.
class ByteWriter {
 public:
  template <class T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* p = reinterpret_cast<const std::byte*>(&value);
    bytes_.insert(bytes_.end(), p, p + sizeof(T));
  }
  template <class T>
  void put_array(std::span<const T> values) {
    put(std::uint64_t(values.size()));
    const auto* p = reinterpret_cast<const std::byte*>(values.data());
    bytes_.insert(bytes_.end(), p, p + values.size_bytes());
  }
  std::vector<std::byte> take() { return std::move(bytes_); }

 private:
  std::vector<std::byte> bytes_;
};

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::byte> bytes) : bytes_(bytes) {}
  template <class T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    std::memcpy(&value, take(sizeof(T)).data(), sizeof(T));
    return value;
  }
  template <class T>
  std::vector<T> get_array() {
    const auto count = get<std::uint64_t>();
    if (count > (bytes_.size() - at_) / sizeof(T)) throw WireError("a gathered array is longer than its message");
    std::vector<T> values(count);
    std::memcpy(values.data(), take(count * sizeof(T)).data(), count * sizeof(T));
    return values;
  }
  // Reads exactly values.size() values into `values`, or throws.
  template <class T>
  void get_array_into(std::span<T> values) {
    const std::vector<T> read = get_array<std::remove_const_t<T>>();
    if (read.size() != values.size())
      throw WireError("a gathered array holds " + std::to_string(read.size()) + " values, this rank's holds " +
                      std::to_string(values.size()));
    std::memcpy(values.data(), read.data(), values.size_bytes());
  }
  bool done() const { return at_ == bytes_.size(); }

 private:
  std::span<const std::byte> take(std::size_t n) {
    if (n > bytes_.size() - at_) throw WireError("a gathered message ends early");
    const auto part = bytes_.subspan(at_, n);
    at_ += n;
    return part;
  }
  std::span<const std::byte> bytes_;
  std::size_t at_ = 0;
};

}  // namespace pepita
