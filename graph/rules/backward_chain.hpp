#pragma once
// What BP and FA share: the output error enters at the output layer and travels down the chain,
// each layer learning from the gradient at its pre-activation and sending the gradient at its
// input to the stage below. They differ only in what carries it down: W_l (BP) or a fixed random
// B_l shaped like W_l (FA); bp.cpp and fa.cpp each make one.
//
// Under a split backward (BackwardVisits::split, zero-bubble schedules) a layer's learning signal
// is its B visit: the term and the gradient down, then the term to itself as a weight message;
// its W visit applies the update with the soma's presynaptic activity. The arithmetic is the same
// as one visit's: only when the update lands moves.
#include "graph/learning_rule.hpp"

namespace pepita {

class BackwardChain final : public LearningRule {
 public:
  enum class Carrier {
    weights,         // W_l, as the batch's standard pass saw it: backpropagation
    fixed_feedback,  // B_l: feedback alignment
  };
  explicit BackwardChain(Carrier carrier) : carrier_(carrier) {}

  RuleEdges edges(int layers) const override;
  bool learning_reads_weights() const override { return carrier_ == Carrier::weights; }
  FeedbackWeights feedback_weights(const LayerPlace& place) const override;
  void learn(LayerVisit& visit) const override;
  LayerReaction reaction(Pass pass, const LayerPlace& place, BackwardVisits backward) const override;
  // layers l+1…L, error, then back down L…l (one more, the W visit, when the backward is split).
  int locking_stages(int layers, int layer) const override { return 2 * (layers - layer) + 2; }

 private:
  void update(LayerVisit& visit, const Tensor& term) const;

  Carrier carrier_;
};

}  // namespace pepita
