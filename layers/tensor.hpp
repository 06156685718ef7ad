#pragma once
// A batch of activity: rows samples × features values, row-major, in storage sized once for the
// largest batch the owner will ever produce.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "layers/pool.hpp"

namespace pepita {

struct Tensor {
  std::vector<float> storage;
  int rows = 0;
  int features = 0;

  float* data() { return storage.data(); }
  const float* data() const { return storage.data(); }
  std::size_t size() const { return std::size_t(rows) * features; }
  std::span<float> values() { return {storage.data(), size()}; }
  std::span<const float> values() const { return {storage.data(), size()}; }
  float* row(int r) { return storage.data() + std::size_t(r) * features; }
  const float* row(int r) const { return storage.data() + std::size_t(r) * features; }
  std::size_t capacity_bytes() const { return storage.capacity() * sizeof(float); }
};

using TensorPool = Pool<Tensor>;
using TensorHandle = TensorPool::Handle;

// A pool whose tensors hold up to max_rows × features values.
inline TensorPool make_tensor_pool(int max_rows, int features) {
  return TensorPool([=] {
    Tensor t;
    t.storage.resize(std::size_t(max_rows) * features);
    t.features = features;
    return t;
  });
}

// Takes a tensor from the pool and shapes it as rows × features.
inline TensorHandle acquire_tensor(TensorPool& pool, int rows) {
  TensorHandle t = pool.acquire();
  t->rows = rows;
  return t;
}

}  // namespace pepita

namespace pepita {

// activity − onehot(labels), in place: the output error when activity is a softmax.
inline void subtract_onehot(Tensor& activity, std::span<const std::int32_t> labels) {
  for (int r = 0; r < activity.rows; ++r) activity.row(r)[labels[std::size_t(r)]] -= 1.0f;
}

}  // namespace pepita
