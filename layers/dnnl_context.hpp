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

// rows × cols matrix of `type` (f32 unless said); `transposed` describes the same row-major buffer
// read as its transpose.
dnnl::memory::desc matrix_desc(int rows, int cols, bool transposed = false,
                               dnnl::memory::data_type type = dnnl::memory::data_type::f32);

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

// The same tensor in another data type (f32 ↔ bf16), same layout.
dnnl::memory::desc with_type(const dnnl::memory::desc& desc, dnnl::memory::data_type type);

// A primitive's operand as the primitive wants it (`wanted`), when the caller's buffer is laid out
// as `given`. If the two agree, `memory` is unbound and the caller's buffer is bound to it; if not
// (another layout or data type), `memory` is allocated here and `convert` is the reorder between it
// and the caller's buffer: from the buffer for an input, to it for an output.
struct OperandPath {
  dnnl::memory memory;
  BoundPrimitive convert;
};
OperandPath input_path(const dnnl::memory::desc& given, const dnnl::memory::desc& wanted);
OperandPath output_path(const dnnl::memory::desc& wanted, const dnnl::memory::desc& given);

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
