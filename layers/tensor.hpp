#pragma once
// A batch of activity: rows samples × features values, row-major, in storage sized once for the
// largest batch the owner will ever produce.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <span>
#include <type_traits>
#include <utility>
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
  // Sizing leaves the values unset instead of zero-filling them. A pooled tensor is sized for the
  // largest batch, the evaluation's, and written before it is read; filling every new one wrote
  // and faulted in all of it, 74 MB per tensor of the conv net's first layer at 1000 rows, where
  // training touches a tenth: 0.8 s of the conv net's first epoch.
  // Builds without NDEBUG (the sanitizer checks) set them to NaN instead, so that a read before the
  // first write trips the finite checks rather than passing on whatever the memory held.
  template <class U>
  void construct(U* p) noexcept {
#if !defined(NDEBUG)
    if constexpr (std::is_floating_point_v<U>) {
      ::new (static_cast<void*>(p)) U(std::numeric_limits<U>::quiet_NaN());
      return;
    }
#endif
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  friend bool operator==(const CacheLineAllocator&, const CacheLineAllocator&) { return true; }
};

using AlignedFloats = std::vector<float, CacheLineAllocator<float>>;

// An element-wise pass over at least this many values runs on oneDNN's OpenMP threads (those the
// scheduler gave each primitive), which are awake between the primitives of a visit: the fc net's
// 64 × 1024 activity (2¹⁶) and a conv layer's 100 × 18432 are split; a batch-1 vector is not.
// Measured on 2 cores, fc PEPITA epochs with 2¹⁵ (and the dropout mask split too) against 2¹⁸:
// 0.93× in bf16, 0.97× in f32 (medians of 7 pairs, docs/results.md). Every pass is element by
// element (the finite check's OR is exact), so the split changes no value.
inline constexpr std::size_t parallel_pass_values = std::size_t(1) << 15;

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
