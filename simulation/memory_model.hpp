#pragma once
// The bytes each node holds, from shapes alone, so that a `--no-math` run reports memory as exact
// as its schedule. It mirrors what the real nodes allocate and hold:
//   static   W_l and its velocity, FA's B_l or DFA's and DRTP's class-sized B_l, GPipe's summed
//            update, the projection's F
//   per batch, from its standard visit to its learning visit at that node (the W visit, where the
//   backward is split):
//            the soma: h_l, the dropout mask (hidden layers, dropout > 0), h_{l-1} where the rule
//            learns from the standard presynaptic activity, z_l and h_{l-1} where a bf16 layer
//            integrates the modulated pass as a difference, and a copy of W_l under the stash
//            policy where the learning pass computes with W_l; the input's x (until F·e returns);
//            a pool's argmax workspace (rules that send gradients down)
// A stash kept as the updates since (graph/update_history.hpp) is counted as one update's factors
// per batch held, rows × (inputs + outputs): the real history holds the updates made since the
// oldest held batch's standard pass, which in 1F1B is one fewer, so the model is an upper bound
// there and exact only for copies.
// Messages in transit and a visit's scratch tensors are not counted. Tests hold the soma and
// stash figures against the real layers' byte counters.
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "graph/flow_policy.hpp"
#include "graph/rule_options.hpp"
#include "graph/update_history.hpp"
#include "simulation/topology.hpp"

namespace pepita {

struct MemorySettings {
  float dropout = 0.1f;
  PepitaOptions pepita{};
  StashSettings stash{};  // whether layers stash W_l, and as a copy or as the updates since
  UpdateMode updates = UpdateMode::immediate;
  Precision precision = Precision::f32;  // bf16: PEPITA's hidden somas also keep z_l and h_{l-1}

  static MemorySettings of(const GraphConfig& graph) {
    return {.dropout = graph.dropout, .pepita = graph.pepita, .stash = StashSettings::of(graph),
            .updates = graph.flow.updates, .precision = graph.precision};
  }
};

class MemoryModel {
 public:
  MemoryModel(const GraphTopology& topology, const MemorySettings& settings);

  std::size_t static_bytes(int node) const { return static_.at(std::size_t(node)); }
  // The bytes `node` starts to hold for the batch at this visit (0 if none), and releases the
  // batch's bytes if this visit ends its hold; returns the change.
  std::int64_t on_visit(int node, Pass pass, std::uint64_t batch, int rows);
  std::size_t held_bytes(int node) const { return held_.at(std::size_t(node)); }

 private:
  std::size_t per_batch_bytes(int node, int rows) const;
  bool releases(int node, Pass pass) const;

  const GraphTopology& topology_;
  MemorySettings settings_;
  std::vector<std::size_t> static_;
  std::vector<std::size_t> held_;
  std::unordered_map<std::uint64_t, std::size_t> holding_;  // (node << 40 | batch) → bytes
};

}  // namespace pepita
