// Direct random target projection (Frenkel et al., 2021): the target arrives with the batch, so a
// hidden layer learns from y·B_l ⊙ σ'(z) within its standard visit and never waits for the output.
// Following Frenkel's code: tanh hidden units, a sigmoid output with binary cross-entropy, hidden
// updates summed over the batch.
#include "graph/layer_visit.hpp"
#include "graph/rules/builtin_rules.hpp"

namespace pepita {

class DirectRandomTargetProjection final : public LearningRule {
 public:
  RuleEdges edges(int layers) const override {
    RuleEdges edges;
    edges.error_to_layers = {layers - 1};
    return edges;
  }
  Activation hidden_activation() const override { return Activation::tanh; }
  Activation output_activation() const override { return Activation::sigmoid; }
  FeedbackWeights feedback_weights(const LayerPlace& place) const override {
    return place.is_output() ? FeedbackWeights::none : FeedbackWeights::direct;
  }
  bool learns_on_standard_pass(const LayerPlace& place) const override { return !place.is_output(); }

  void learn(LayerVisit& visit) const override {
    if (!visit.is_output()) {
      if (visit.pass() != Pass::standard) visit.reject();
      // Frenkel's code sums the hidden DRTP updates over the batch (no 1/N); the paper's η assumes it.
      const TensorHandle term = visit.through_derivative(visit.project_to_units(*visit.onehot_target()));
      visit.update(*term, visit.incoming(), visit.learning_rate(), Normalisation::batch_sum);
      return;
    }
    if (visit.pass() != Pass::error) visit.reject();
    // Binary cross-entropy's mean over batch and classes.
    const float scale = visit.learning_rate() / float(visit.batch().rows()) / float(visit.graph().classes);
    visit.update(visit.incoming(), *visit.standard().presynaptic, scale, Normalisation::batch_mean);
  }

  LayerReaction reaction(Pass pass, const LayerPlace& place, BackwardVisits) const override {
    if (pass != (place.is_output() ? Pass::error : Pass::standard)) return {};
    return {.takes = true, .updates = true, .up = Pass::evaluate, .down = false};
  }

  // hidden: updates within its standard visit; output: error, then the output layer.
  int locking_stages(int layers, int layer) const override { return layer == layers ? 2 : 0; }
};

std::unique_ptr<LearningRule> make_drtp_rule() { return std::make_unique<DirectRandomTargetProjection>(); }

}  // namespace pepita
