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
//   mixed_tl  mixed's two terms as two updates, each when its pass reaches the layer: h_l·h_{l-1}ᵀ
//             (y·h_{L-1}ᵀ) within the standard visit, then −h_l^err·(h_{l-1}^err)ᵀ (−t·(h_{L-1}^err)ᵀ)
//             with the W that left and a freshly drawn dropout mask. Only e survives between the
//             passes, so the soma holds no activity.
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

  bool keeps_standard_presynaptic() const override {
    return variant_ == PepitaVariant::forward || variant_ == PepitaVariant::mixed;
  }
  // The modulated pass runs through W_l: as the standard pass saw it, except in the time-local
  // variant, whose every pass computes with the weights of its time.
  bool learning_reads_weights() const override { return !time_local(); }
  bool learns_on_standard_pass(const LayerPlace&) const override { return time_local(); }
  bool integrates_modulated_pass() const override { return !time_local(); }

  void learn(LayerVisit& visit) const override {
    if (time_local()) return learn_time_locally(visit);
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
    if (pass == Pass::standard && time_local()) return {.takes = true, .updates = true};  // the node sends h_l up
    if (pass != Pass::modulated) return {};
    return {.takes = true, .updates = true, .up = place.is_output() ? Pass::evaluate : Pass::modulated, .down = false};
  }

  // error, projection, input, then layers 1…L on the modulated pass: the update at layer l waits
  // for layers l+1…L, error, projection, input and layers 1…l.
  int locking_stages(int layers, int) const override { return layers + 3; }
  // The time-local variant's first update lands within the standard visit.
  std::vector<int> update_stages(int layers, int layer) const override {
    if (time_local()) return {0, locking_stages(layers, layer)};
    return {locking_stages(layers, layer)};
  }

  void validate(const PepitaOptions& options) const override {
    if ((variant_ == PepitaVariant::mixed || time_local()) && options.output_error != OutputError::standard)
      throw std::invalid_argument("--output-error applies to pepita and pepita-forward: the mixed variants' output update is y·h_{L-1}ᵀ − t·(h_{L-1}^err)ᵀ");
  }

 private:
  bool time_local() const { return variant_ == PepitaVariant::mixed_tl; }

  // Step A within the standard visit, at once; step B on the modulated pass, through the W step A
  // left (the follow-up's trainer: two optimizer steps per batch).
  void learn_time_locally(LayerVisit& visit) const {
    const float scale = visit.learning_rate() / float(visit.batch().rows()) * position_factor(visit);
    if (visit.pass() == Pass::standard) {
      visit.update(*visit.standard().activity, visit.incoming(), scale, Normalisation::batch_mean);
      return;
    }
    if (visit.pass() != Pass::modulated) visit.reject();
    if (visit.is_output()) {  // −t·(h_{L-1}^err)ᵀ needs no output activity
      visit.update(*visit.onehot_target(), visit.incoming(), -scale, Normalisation::batch_mean);
      return;
    }
    const Tensor& dendrite = visit.integrate_modulated(SecondPassMask::redrawn);
    visit.update(dendrite, visit.incoming(), -scale, Normalisation::batch_mean);
    visit.send_up(Pass::modulated, visit.release_dendrite());
  }

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
