#pragma once
// Everything the training graph is built from: the model, the rule, and the scheduler's flow policy.
#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

#include "data/dataset.hpp"
#include "graph/flow_policy.hpp"
#include "graph/model_spec.hpp"
#include "graph/remote_link.hpp"
#include "graph/rule_options.hpp"
#include "graph/rule_registry.hpp"
#include "layers/initializers.hpp"
#include "layers/precision.hpp"

namespace pepita {

// Which process runs each node, when the graph spans several (graph/remote_link.hpp). Every rank
// builds the whole graph and runs the nodes placed on it.
struct RankPlan {
  RemoteLink* link = nullptr;     // null: one process runs every node
  std::vector<int> rank_of_node;  // per node, in graph order (TrainingGraph::visit's numbering)

  // Whether this process runs `node`, and so holds its state.
  bool runs(int node) const { return !link || rank_of_node.at(std::size_t(node)) == link->rank(); }
};

}  // namespace pepita

namespace pepita {

struct GraphConfig {
  RuleChoice rule = "pepita";
  ImageShape input;
  std::vector<StageSpec> stages;  // the model, output layer last (graph/model_spec.hpp)
  int classes = 0;
  float dropout = 0.1f;           // hidden layers only
  float momentum = 0.9f;
  float weight_decay = 0.0f;      // λ: v ← μ·v + η·(ΔW + λ·W), the ICLR 2024 follow-up's SGD
  WeightInit weight_init = WeightInit::he_uniform;
  // What the layers' matmuls and convolutions read (layers/precision.hpp). F·e and DFA's and
  // DRTP's B·e stay f32: they are under 1% of the work, and F·e sets the size of the modulation.
  Precision precision = Precision::f32;
  std::uint64_t seed = 0;
  int max_rows = 64;              // largest batch, training or evaluation
  int batch_rows = 64;            // a training batch's rows: what a batch in flight holds
  FlowPolicy flow{};              // the scheduler's: batches in flight, message order, weights, updates
  int graph_threads = 1;          // oneTBB threads that run nodes
  int dnnl_threads = 0;           // OpenMP threads inside each oneDNN primitive; 0 = all cores
  PepitaOptions pepita;
  RankPlan ranks;                 // one process, or the ranks of an MPI job
};

// This machine's cores, at least 1: what a thread count of 0, "all cores", stands for.
inline int available_cores() { return int(std::max(1u, std::thread::hardware_concurrency())); }
// A thread count as asked, or every core for 0 (--threads, --dnnl-threads, GraphConfig's counts).
inline int threads_or_all_cores(int requested) { return requested > 0 ? requested : available_cores(); }

}  // namespace pepita
