#pragma once
// What travels along the graph's edges. Every node keys its state by batch id, never by arrival
// order, so that several batches can be in flight at once.
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "graph/thread_handoff.hpp"
#include "layers/pool.hpp"
#include "layers/tensor.hpp"

namespace pepita {

enum class Pass : std::uint8_t {
  standard,   // h_l = σ(W_l h_{l-1}); neurons keep it in the soma
  modulated,  // h_l^err from x + F·e; neurons learn from soma − dendrite
  evaluate,   // inference only: no dropout, nothing kept, no learning
  error,      // e = h_L − onehot(y), from the error node (to the projection, or to layers)
  feedback,   // F·e, from the projection back to the input node
  backward,   // ∂L/∂h_l, from layer l+1 down to layer l (BP and FA only)
  weight,     // the term at a layer's pre-activation, from its own B visit to its W visit (split backward)
  mirror,     // each layer's response to noise, collected up the chain for F's factors (feedback mirroring)
};

// Passes there are: for tables indexed by pass.
inline constexpr std::size_t pass_count = std::size_t(Pass::mirror) + 1;

inline const char* to_string(Pass pass) {
  switch (pass) {
    case Pass::standard: return "standard";
    case Pass::modulated: return "modulated";
    case Pass::evaluate: return "evaluate";
    case Pass::error: return "error";
    case Pass::feedback: return "feedback";
    case Pass::backward: return "backward";
    case Pass::weight: return "weight";
    case Pass::mirror: return "mirror";
  }
  return "?";
}

// The one error for a message a node has no use for: a wiring or rule mistake, never bad input.
[[noreturn]] inline void reject_message(const std::string& node, Pass pass) {
  throw std::logic_error(node + " cannot take a " + to_string(pass) + " message");
}

// One batch's identity: which samples, of which data set, at which point of training.
struct BatchInfo {
  std::uint64_t id = 0;      // unique over the whole run; seeds the batch's dropout masks
  int epoch = 0;
  std::int64_t index = 0;    // position within its epoch
  const Dataset* data = nullptr;
  std::span<const std::uint32_t> samples;
  std::vector<std::int32_t> labels;  // filled by the input node
  int rows() const { return int(samples.size()); }
};

// The batch's labels, from its data set: what the input node fills in before the batch flows.
inline void fill_labels(BatchInfo& batch) {
  batch.labels.resize(batch.samples.size());
  for (int r = 0; r < batch.rows(); ++r) batch.labels[std::size_t(r)] = batch.data->labels[batch.samples[std::size_t(r)]];
}

using BatchPool = Pool<BatchInfo>;
using BatchHandle = BatchPool::Handle;

struct MessageFields {
  Pass pass = Pass::standard;
  BatchHandle batch;
  TensorHandle activity;
  // Node visits on this batch's path so far: a logical clock in which every node costs one unit,
  // so that update-locking latency can be counted in pipeline stages.
  std::uint32_t hops = 0;
};
using Message = HandedOver<MessageFields>;

// The message a node sends on after its visit: one more hop.
inline Message next_message(Pass pass, const Message& from, TensorHandle activity) {
  return Message{pass, from.batch, std::move(activity), from.hops + 1};
}

// A layer applied its update for a batch, or the error node finished evaluating one.
struct BatchEventFields {
  std::uint64_t batch = 0;
  int layer = -1;  // -1: the evaluation of the batch is complete
};
using BatchEvent = HandedOver<BatchEventFields>;

}  // namespace pepita
