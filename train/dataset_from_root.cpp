#include "train/dataset_from_root.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "graph/wire_format.hpp"

namespace pepita {

namespace {

enum class Loaded : std::uint8_t { ok, failed };

void put_text(ByteWriter& out, const std::string& text) { out.put_array(std::span<const char>(text)); }

std::string get_text(ByteReader& in) {
  const std::vector<char> text = in.get_array<char>();
  return {text.begin(), text.end()};
}

// What a rank without the input node needs of a data set: everything but the pixels.
void put_without_pixels(ByteWriter& out, const Dataset& data) {
  put_text(out, data.name);
  out.put(data.shape);
  out.put(data.classes);
  out.put_array(std::span<const std::int32_t>(data.labels));
}

Dataset get_without_pixels(ByteReader& in) {
  Dataset data;
  data.name = get_text(in);
  data.shape = in.get<ImageShape>();
  data.classes = in.get<int>();
  data.labels = in.get_array<std::int32_t>();
  return data;
}

}  // namespace

DatasetPair dataset_from_root(RemoteLink& link, const std::function<DatasetPair()>& load) {
  if (!link.is_root()) {
    const std::vector<std::byte> bytes = link.bytes_from_root({});
    ByteReader in(bytes);
    if (in.get<Loaded>() != Loaded::ok) throw RemoteFailure("rank 0 could not load the data set: " + get_text(in));
    DatasetPair pair;
    pair.train = get_without_pixels(in);
    pair.test = get_without_pixels(in);
    return pair;
  }
  DatasetPair loaded;
  ByteWriter out;
  try {
    loaded = load();
  } catch (const std::exception& error) {
    out.put(Loaded::failed);
    put_text(out, error.what());
    link.bytes_from_root(out.take());
    throw;
  }
  out.put(Loaded::ok);
  put_without_pixels(out, loaded.train);
  put_without_pixels(out, loaded.test);
  link.bytes_from_root(out.take());
  return loaded;
}

}  // namespace pepita
