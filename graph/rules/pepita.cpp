// PEPITA (Dellaferrera & Kreiman, ICML 2022): two forward passes and no backward pass.
//   standard pass    h_l = σ(W_l h_{l-1}), kept in the soma;       e = h_L − onehot(y)
//   modulated pass   input x + F·e; the dendrite integrates h_l^err = σ(W_l h_{l-1}^err)
//   hidden update    ΔW_l = (h_l − h_l^err)·(h_{l-1}^err)ᵀ
//   output update    ΔW_L = e·(h_{L-1}^err)ᵀ
// The only top-down edge is F: error → projection → input.
//
// The ICLR 2024 follow-up (Srinivasan et al.; FOLLOWUP.md §4) names this update `modulated` and
// adds variants that change only which activities form it, each registered as a rule of its own:
//   forward   (h_l − h_l^err)·h_{l-1}ᵀ,            output e·h_{L-1}ᵀ
//   mixed     h_l·h_{l-1}ᵀ − h_l^err·(h_{l-1}^err)ᵀ, output y·h_{L-1}ᵀ − t·(h_{L-1}^err)ᵀ
// (the follow-up's code at HEAD runs `mixed` as `modulated` by mistake; this is its table's row).
#include <cmath>
#include <stdexcept>

#include "graph/layer_visit.hpp"
#include "graph/rules/builtin_rules.hpp"

namespace pepita {

class Pepita final : public LearningRule {
 public:
  explicit Pepita(PepitaVariant variant) : variant_(variant) {}

  RuleEdges edges(int) const override {
    RuleEdges edges;
    edges.error_to_input_via_projection = true;
    return edges;
  }

  bool keeps_standard_presynaptic() const override { return variant_ != PepitaVariant::modulated; }
  bool learning_reads_weights() const override { return true; }  // the modulated pass runs through W_l

  void learn(LayerVisit& visit) const override {
    if (visit.pass() != Pass::modulated) visit.reject();
    const float scale = visit.learning_rate() / float(visit.batch().rows()) * position_factor(visit);
    const Tensor& dendrite = visit.integrate_modulated();  // h_l^err, computed before W_l changes
    const Tensor& soma = *visit.standard().activity;
    if (variant_ == PepitaVariant::mixed) {
      // Both products in one optimizer step: the rows of the two passes stacked, the second negated.
      const TensorHandle target = visit.is_output() ? visit.onehot_target() : TensorHandle{};
      const TensorHandle post = visit.stacked_posts(soma, visit.is_output() ? *target : dendrite);
      const TensorHandle pre = visit.stacked_pres(*visit.standard().presynaptic, visit.incoming());
      visit.update(*post, *pre, scale, Normalisation::batch_mean);
    } else {
      const Tensor& presynaptic =
          variant_ == PepitaVariant::forward ? *visit.standard().presynaptic : visit.incoming();
      if (visit.is_output()) {
        // Algorithm 1 takes the standard pass's error; the authors' FC code the modulated pass's.
        const OutputError from = visit.graph().pepita.output_error;
        visit.update(*visit.output_error(from == OutputError::standard ? soma : dendrite), presynaptic, scale,
                     Normalisation::batch_mean);
      } else {
        visit.update(*visit.mismatch(), presynaptic, scale, Normalisation::batch_mean);
      }
    }
    if (!visit.is_output()) visit.send_up(Pass::modulated, visit.release_dendrite());
  }

  LayerReaction reaction(Pass pass, const LayerPlace& place, BackwardVisits) const override {
    if (pass != Pass::modulated) return {};
    return {.takes = true, .updates = true, .up = place.is_output() ? Pass::evaluate : Pass::modulated, .down = false};
  }

  // error, projection, input, then layers 1…L on the modulated pass: the update at layer l waits
  // for layers l+1…L, error, projection, input and layers 1…l.
  int locking_stages(int layers, int) const override { return layers + 3; }

  void validate(const PepitaOptions& options) const override {
    if (variant_ == PepitaVariant::mixed && options.output_error != OutputError::standard)
      throw std::invalid_argument("--output-error applies to pepita and pepita-forward: pepita-mixed's output update is y·h_{L-1}ᵀ − t·(h_{L-1}^err)ᵀ");
  }

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

  PepitaVariant variant_;
};

std::unique_ptr<LearningRule> make_pepita_rule(PepitaVariant variant) { return std::make_unique<Pepita>(variant); }

}  // namespace pepita
