// What crosses between ranks (graph/wire_format.hpp): a message keeps its pass, batch, hops and
// values; a damaged or lying envelope is a one-line WireError, never a crash or a wrong tensor.
#include <doctest/doctest.h>

#include "graph/wire_format.hpp"

namespace pepita {

TEST_CASE("a message survives the wire: pass, batch, hops, weight version and values") {
  BatchPool batches([] { return BatchInfo{}; });
  BatchHandle batch = batches.acquire();
  batch->id = 41;
  TensorPool tensors = make_tensor_pool(3, 4);
  TensorHandle activity = acquire_tensor(tensors, 2);
  for (int i = 0; i < 8; ++i) activity->values()[std::size_t(i)] = float(i) * 0.5f - 1;
  const Message message{Pass::modulated, batch, activity, 7};
  const std::vector<std::byte> bytes = encode_message(message, 3, 12, 1, 99);
  const WireMessage wire = decode_wire(bytes);
  CHECK(wire.header.kind == WireKind::message);
  CHECK(wire.header.pass == Pass::modulated);
  CHECK(wire.header.batch == 41);
  CHECK(wire.header.hops == 7);
  CHECK(wire.header.run == 3);
  CHECK(wire.header.edge == 12);
  CHECK(wire.header.sender == 1);
  CHECK(wire.header.weight_version == 99);
  CHECK(wire.header.rows == 2);
  CHECK(wire.header.features == 4);
  REQUIRE(wire.payload.size() == 8 * sizeof(float));
  std::vector<float> values(8);
  std::memcpy(values.data(), wire.payload.data(), wire.payload.size());
  for (int i = 0; i < 8; ++i) CHECK(values[std::size_t(i)] == activity->values()[std::size_t(i)]);
}

TEST_CASE("events and control messages round-trip") {
  const WireMessage event = decode_wire(encode_event(BatchEvent{5, 2}, 1, 9, 2));
  CHECK(event.header.kind == WireKind::event);
  CHECK(event.header.batch == 5);
  CHECK(event.header.layer == 2);
  const std::vector<std::byte> abort = encode_control(WireKind::abort, 1, 2, 0, "rank 2: diverged");
  CHECK(decode_wire(abort).text() == "rank 2: diverged");
  CHECK(decode_wire(encode_control(WireKind::stop, 1, 0, 938)).header.batch == 938);
}

TEST_CASE("a damaged envelope is a WireError that says what is wrong") {
  BatchPool batches([] { return BatchInfo{}; });
  BatchHandle batch = batches.acquire();
  TensorPool tensors = make_tensor_pool(2, 3);
  const std::vector<std::byte> good = encode_message(Message{Pass::standard, batch, acquire_tensor(tensors, 2), 1}, 1, 0, 0, 0);
  CHECK_THROWS_WITH_AS(decode_wire(std::span(good).first(10)), doctest::Contains("shorter than its header"), WireError);
  std::vector<std::byte> truncated(good.begin(), good.end() - 4);
  CHECK_THROWS_WITH_AS(decode_wire(truncated), doctest::Contains("says it carries 24 bytes but carries 20"), WireError);
  std::vector<std::byte> foreign = good;
  foreign[0] = std::byte{0};
  CHECK_THROWS_WITH_AS(decode_wire(foreign), doctest::Contains("magic"), WireError);
  // The header says 2 × 3 values; a payload of another size is refused.
  WireHeader lying = decode_wire(good).header;
  lying.features = 4;
  CHECK_THROWS_WITH_AS(decode_wire(encode_wire(lying, decode_wire(good).payload)), doctest::Contains("2 × 4 values"), WireError);
  WireHeader unknown = decode_wire(good).header;
  unknown.pass = Pass(200);
  CHECK_THROWS_WITH_AS(decode_wire(encode_wire(unknown, decode_wire(good).payload)), doctest::Contains("unknown pass"), WireError);
}

TEST_CASE("gathered state reads back, and a short or mismatched array is refused") {
  ByteWriter out;
  const std::vector<float> weights{1, 2, 3};
  out.put(std::int64_t{-4});
  out.put_array<float>(weights);
  const std::vector<std::byte> bytes = out.take();
  ByteReader in(bytes);
  CHECK(in.get<std::int64_t>() == -4);
  std::vector<float> into(3);
  in.get_array_into<float>(into);
  CHECK(into == weights);
  CHECK(in.done());
  ByteReader again(bytes);
  again.get<std::int64_t>();
  std::vector<float> wrong(2);
  CHECK_THROWS_AS(again.get_array_into<float>(wrong), WireError);
  ByteReader short_read(std::span<const std::byte>(bytes).first(6));
  CHECK_THROWS_AS(short_read.get<std::int64_t>(), WireError);
}

}  // namespace pepita
