// PEPITA (Dellaferrera & Kreiman, ICML 2022): two forward passes and no backward pass.
//   standard pass    h_l = σ(W_l h_{l-1}), kept in the soma;       e = h_L − onehot(y)
//   modulated pass   input x + F·e; the dendrite integrates h_l^err = σ(W_l h_{l-1}^err)
//   hidden update    ΔW_l = (h_l − h_l^err)·(h_{l-1}^err)ᵀ
//   output update    ΔW_L = e·(h_{L-1}^err)ᵀ
// The only top-down edge is F: error → projection → input.
#include <cmath>

#include "graph/layer_visit.hpp"
#include "graph/rules/builtin_rules.hpp"

namespace pepita {

class Pepita final : public LearningRule {
 public:
  RuleEdges edges(int) const override {
    RuleEdges edges;
    edges.error_to_input_via_projection = true;
    return edges;
  }

  bool keeps_standard_presynaptic(const PepitaOptions& options) const override {
    return options.presynaptic == Presynaptic::standard;
  }
  bool learning_reads_weights() const override { return true; }  // the modulated pass runs through W_l

  void learn(LayerVisit& visit) const override {
    if (visit.pass() != Pass::modulated) visit.reject();
    const PepitaOptions& options = visit.graph().pepita;
    const Tensor& dendrite = visit.integrate_modulated();  // h_l^err, computed before W_l changes
    const Tensor& presynaptic =
        options.presynaptic == Presynaptic::standard ? *visit.standard().presynaptic : visit.incoming();
    const float scale = visit.learning_rate() / float(visit.batch().rows()) * position_factor(visit);
    if (visit.is_output()) {
      // Algorithm 1 takes the standard pass's error; the authors' FC code the modulated pass's.
      const Tensor& output = options.output_error == OutputError::standard ? *visit.standard().activity : dendrite;
      visit.update(*visit.output_error(output), presynaptic, scale, Normalisation::batch_mean);
      return;
    }
    visit.update(*visit.mismatch(), presynaptic, scale, Normalisation::batch_mean);
    visit.send_up(Pass::modulated, visit.release_dendrite());
  }

  LayerReaction reaction(Pass pass, const LayerPlace& place, BackwardVisits) const override {
    if (pass != Pass::modulated) return {};
    return {.takes = true, .updates = true, .up = place.is_output() ? Pass::evaluate : Pass::modulated, .down = false};
  }

  // error, projection, input, then layers 1…L on the modulated pass: the update at layer l waits
  // for layers l+1…L, error, projection, input and layers 1…l.
  int locking_stages(int layers, int) const override { return layers + 3; }

  void validate(const PepitaOptions&) const override {}  // every PEPITA option applies

 private:
  // A conv update is a mean over output positions (§3.3) unless asked otherwise.
  static float position_factor(const LayerVisit& visit) {
    const float positions = float(visit.layer().positions());
    switch (visit.graph().pepita.conv_normalisation) {
      case ConvNormalisation::positions: return 1.0f / positions;
      case ConvNormalisation::sqrt_positions: return 1.0f / std::sqrt(positions);
      case ConvNormalisation::none: return 1.0f;
    }
    return 1.0f;
  }
};

std::unique_ptr<LearningRule> make_pepita_rule() { return std::make_unique<Pepita>(); }

}  // namespace pepita
