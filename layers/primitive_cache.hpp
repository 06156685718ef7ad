#pragma once
// The primitives a layer built for each batch size. oneDNN bakes the shapes into a primitive and
// creating one costs far more than running it, so each batch size builds its set once, on first
// use, and every later batch of that size reuses it. A std::map, because callers hold on to the
// references it hands out while later sizes are added.
#include <map>
#include <utility>

namespace pepita {

template <class Key, class Value>
class PrimitiveCache {
 public:
  // The primitives for `key`, built by make() (returning a Value) if this is the first time.
  template <class Make>
  Value& get(const Key& key, Make&& make) {
    auto found = built_.find(key);
    if (found != built_.end()) return found->second;
    return built_.emplace(key, std::forward<Make>(make)()).first->second;
  }

 private:
  std::map<Key, Value> built_;
};

}  // namespace pepita
