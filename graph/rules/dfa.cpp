// Direct feedback alignment (Nøkland, 2016): the error node broadcasts e to every layer; a hidden
// layer learns from e·B_l ⊙ σ'(z) through its own fixed random B_l.
#include "graph/layer_visit.hpp"
#include "graph/rules/builtin_rules.hpp"

namespace pepita {

class DirectFeedbackAlignment final : public LearningRule {
 public:
  RuleEdges edges(int layers) const override {
    RuleEdges edges;
    for (int l = 0; l < layers; ++l) edges.error_to_layers.push_back(l);
    return edges;
  }
  FeedbackWeights feedback_weights(const LayerPlace& place) const override {
    return place.is_output() ? FeedbackWeights::none : FeedbackWeights::direct;
  }

  void learn(LayerVisit& visit) const override {
    if (visit.pass() != Pass::error) visit.reject();
    const TensorHandle term =
        visit.is_output() ? visit.incoming_handle() : visit.through_derivative(visit.project_to_units(visit.incoming()));
    visit.update(*term, *visit.standard().presynaptic, visit.learning_rate() / float(visit.batch().rows()),
                 Normalisation::batch_mean);
  }

  LayerReaction reaction(Pass pass, const LayerPlace&, BackwardVisits) const override {
    if (pass != Pass::error) return {};
    return {.takes = true, .updates = true, .up = Pass::evaluate, .down = false};
  }

  // layers l+1…L, error, then layer l directly.
  int locking_stages(int layers, int layer) const override { return layers - layer + 2; }
};

std::unique_ptr<LearningRule> make_dfa_rule() { return std::make_unique<DirectFeedbackAlignment>(); }

}  // namespace pepita
