#pragma once
// A bf16 copy of an f32 buffer, made by a oneDNN reorder into storage that is kept and reused:
// how a layer hands f32 activity or weights to a primitive that reads bf16. One copy holds one
// buffer at a time; a layer keeps one per operand that must coexist (input, weights, …).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "layers/dnnl_context.hpp"
#include "layers/primitive_cache.hpp"
#include "layers/tensor.hpp"

namespace pepita {

class LowPrecisionCopy {
 public:
  // Converts `count` values at `from` and returns the copy, valid until the next convert.
  const void* convert(const float* from, std::size_t count, dnnl::stream& stream);
  // The latest copy.
  const void* data() const { return values_.data(); }
  std::size_t capacity_bytes() const { return values_.capacity() * sizeof(std::uint16_t); }

 private:
  std::vector<std::uint16_t, CacheLineAllocator<std::uint16_t>> values_;
  // One reorder per count: oneDNN bakes the size into a primitive.
  PrimitiveCache<std::size_t, BoundPrimitive> reorder_by_count_;
};

}  // namespace pepita
