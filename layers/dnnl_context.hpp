#pragma once
// Shared oneDNN plumbing: one CPU engine for the process, row-major matrix descriptors, and a
// primitive bound once to its memory objects so that running it allocates nothing.
#include <initializer_list>
#include <unordered_map>
#include <utility>

#include <oneapi/dnnl/dnnl.hpp>

#include "layers/activation.hpp"

namespace pepita {

dnnl::engine& cpu_engine();

// The element-wise algorithm oneDNN can fuse into a matmul or convolution as a post-op for an
// activation; false for those it cannot (identity needs none, softmax is a primitive of its own).
bool fused_algorithm(Activation activation, dnnl::algorithm& out);

// rows × cols float matrix; `transposed` describes the same row-major buffer read as its transpose.
dnnl::memory::desc matrix_desc(int rows, int cols, bool transposed = false);

// A primitive with its argument map built once; rebinding a buffer is set_data_handle.
class BoundPrimitive {
 public:
  BoundPrimitive() = default;
  BoundPrimitive(dnnl::primitive primitive, std::initializer_list<std::pair<const int, dnnl::memory>> args)
      : primitive_(std::move(primitive)), args_(args) {}

  void add(int argument, dnnl::memory memory) { args_.emplace(argument, std::move(memory)); }
  void bind(int argument, const void* data) {
    args_.at(argument).set_data_handle(const_cast<void*>(data));
  }
  void run(dnnl::stream& stream) {
    primitive_.execute(stream, args_);
    stream.wait();
  }
  explicit operator bool() const { return bool(primitive_); }

 private:
  dnnl::primitive primitive_;
  std::unordered_map<int, dnnl::memory> args_;
};

// A memory object with no buffer yet; BoundPrimitive::bind gives it one before each run.
inline dnnl::memory unbound(const dnnl::memory::desc& desc) {
  return dnnl::memory(desc, cpu_engine(), DNNL_MEMORY_NONE);
}

// A copy between two layouts of one tensor; either side may be bound later.
BoundPrimitive reorder(const dnnl::memory& from, const dnnl::memory& to);

// A primitive's input or output that may need a change of layout on the way. `convert` is an
// empty BoundPrimitive when the layouts agree: the caller's buffer is then bound to the
// primitive's `argument` directly; otherwise the buffer goes through `convert`.
struct Converted {
  BoundPrimitive& primitive;
  int argument;
  BoundPrimitive& convert;
};
// Before running the primitive: its input from `data`.
void feed(const Converted& input, const void* data, dnnl::stream& stream);
// Runs the primitive with its output going to `data`.
void run_into(const Converted& output, void* data, dnnl::stream& stream);

}  // namespace pepita
