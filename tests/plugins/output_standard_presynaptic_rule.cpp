// A learning rule defined outside the library, to show that a rule is one file and one
// registration line: PEPITA whose output layer learns from e·h_{L-1}ᵀ of the standard pass instead
// of the modulated pass's h_{L-1}^err (hidden layers as PEPITA). Trained by the real graph in
// test_plugins.cpp.
#include "graph/layer_visit.hpp"
#include "graph/rule_registry.hpp"

namespace pepita::testing {

namespace {

class OutputStandardPresynaptic final : public LearningRule {
 public:
  RuleEdges edges(int) const override {
    RuleEdges edges;
    edges.error_to_input_via_projection = true;
    return edges;
  }
  bool keeps_standard_presynaptic() const override { return true; }
  bool learning_reads_weights() const override { return true; }

  void learn(LayerVisit& visit) const override {
    if (visit.pass() != Pass::modulated) visit.reject();
    visit.integrate_modulated();
    const float scale = visit.learning_rate() / float(visit.batch().rows()) / float(visit.layer().positions());
    if (visit.is_output()) {
      visit.update(*visit.output_error(*visit.standard().activity), *visit.standard().presynaptic, scale,
                   Normalisation::batch_mean);
      return;
    }
    visit.update(*visit.mismatch(), visit.incoming(), scale, Normalisation::batch_mean);
    visit.send_up(Pass::modulated, visit.release_dendrite());
  }
  LayerReaction reaction(Pass pass, const LayerPlace& place, BackwardVisits) const override {
    if (pass != Pass::modulated) return {};
    return {.takes = true, .updates = true, .up = place.is_output() ? Pass::evaluate : Pass::modulated, .down = false};
  }

  int locking_stages(int layers, int) const override { return layers + 3; }
  void validate(const PepitaOptions&) const override {}
};

}  // namespace

const RuleRegistration output_standard_presynaptic{
    {"pepita-output-standard-pre", "test rule: PEPITA, the output learning from the standard pass's h_{L-1}",
     {0.1, 0.1, 0.01, 0.1}},
    std::make_unique<OutputStandardPresynaptic>()};

}  // namespace pepita::testing
