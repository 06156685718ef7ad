#pragma once
// A batch of activity: rows samples × features values, row-major, in storage sized once for the
// largest batch the owner will ever produce.
#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <vector>

#include "layers/pool.hpp"

namespace pepita {

// Allocates on 64-byte boundaries. oneDNN's AVX-512 kernels store whole cache lines; on malloc's
// 16-byte alignment each store of a row that they write straight into our storage (a blocked
// convolution's output) splits across two lines, which made that convolution 1.8× slower.
template <class T>
struct CacheLineAllocator {
  using value_type = T;
  static constexpr std::align_val_t alignment{64};
  CacheLineAllocator() = default;
  template <class U>
  CacheLineAllocator(const CacheLineAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), alignment)); }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, alignment); }
  friend bool operator==(const CacheLineAllocator&, const CacheLineAllocator&) { return true; }
};

using AlignedFloats = std::vector<float, CacheLineAllocator<float>>;

struct Tensor {
  AlignedFloats storage;
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
