#pragma once
// PEPITA's only top-down edge: the random matrix F projects the output error onto the input, F·e,
// and sends it back to the input node. It is drawn as the paper draws it or as the follow-up does
// (PepitaOptions::f_init). F is fixed, except under the follow-up's feedback mirroring: then the
// node holds F's factors B_1…B_L and learns them from each batch's mirror pass (learn_mirror).
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <tbb/flow_graph.h>

#include "graph/message.hpp"
#include "graph/node_clock.hpp"
#include "graph/outbox.hpp"
#include "graph/rule_options.hpp"
#include "layers/counter_rng.hpp"
#include "layers/dense_layer.hpp"

namespace pepita {

// k·r for --perturb random (r ~ U[0, 1)) or random_symmetric (r ~ U[−1, 1)): value i from the
// counter-based generator's uniform at i, so a batch's draw depends on its id alone.
void draw_perturbation(std::span<float> values, Perturbation kind, float k, const CounterRng& rng);

class ProjectionNode {
 public:
  // Port 0: F·e up, to the input node. Port 1: "F's factors learnt batch b", to the completion
  // node, which under mirroring counts a batch finished only then: across ranks the run ends when
  // the root has counted every batch, and a mirror pass still on its way would be lost.
  using Node = tbb::flow::multifunction_node<Message, std::tuple<Message, BatchEvent>>;

  // `widths` are n_0 (the input's features), the learning layers' units, and the classes last; the
  // factored F has a factor for each step between them.
  ProjectionNode(tbb::flow::graph& graph, std::span<const int> widths, int max_rows, const PepitaOptions& options,
                 std::uint64_t seed);
  Node& node() { return node_; }
  // One visit: F·e up, to the input; or, for a mirror pass, F's factors learn and the batch's
  // mirror pass is reported done.
  void visit(const Message& message, Outbox& out) {
    if (message.pass != Pass::mirror) return out.up(receive(message));
    learn_mirror(message);
    out.report(BatchEvent{message.batch->id, mirror_event_layer()});
  }
  // The layer a mirror pass's event names: one past the last learning layer, F's factors.
  int mirror_event_layer() const { return int(widths_.size()) - 1; }
  NodeClock& clock() { return clock_; }
  // F, input_features × classes, row-major.
  std::span<float> matrix() { return map_.weights(); }
  // B_1…B_L (B_l: n_{l-1} × n_l, row-major) under mirroring; none otherwise, F being all there is.
  std::vector<std::span<float>> factors();
  // F = −B_1⋯B_L from the factors (after a checkpoint restored them).
  void multiply_factors();

 private:
  Message receive(const Message& message);
  // B_l ← (1 − ηλ)·B_l + η·ξ_lᵀ·y_l/B for every layer's response y_l to its noise ξ_l, then F
  // from the product, rescaled with every factor to F's initial deviation (FOLLOWUP.md §2).
  void learn_mirror(const Message& message);
  // The ablation's k·r, fresh for every sample, in place of e.
  TensorHandle random_perturbation(const BatchInfo& batch);

  PepitaOptions options_;
  std::uint64_t seed_;
  std::vector<int> widths_;  // n_0, the learning layers' units, the classes
  DenseLayer map_;  // e·Fᵀ: a linear map, so a dense layer with no activation that never learns by itself
  // Under mirroring, B_l as a dense layer from n_l to n_{l-1} (weights n_{l-1} × n_l), whose
  // optimizer has no momentum, the mirror's rate and its decay.
  std::vector<std::unique_ptr<DenseLayer>> factors_;
  TensorPool pool_;
  TensorPool perturbation_pool_;
  NodeClock clock_{"projection"};
  Node node_;
};

}  // namespace pepita
