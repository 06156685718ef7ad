// MEMPEPITA (Pau & Aymone, 2023): PEPITA with a third forward pass so that no layer keeps its
// standard activity between the passes. The standard pass only produces e and is freed as in
// inference; the input then sends [x; x + F·e] stacked, and every layer computes the clean and the
// modulated activity side by side, updates with (h_l − h_l^err)·(h_{l-1}^err)ᵀ as PEPITA does, and
// sends both up. A layer holds one batch's pair only during its own visit: memory ≈ inference,
// for one more forward pass (FOLLOWUP.md §7). Under `sequential` the recomputed h_l equals the
// standard pass's bit for bit (same W, same mask), so it trains exactly as PEPITA.
#include <stdexcept>

#include "graph/layer_visit.hpp"
#include "graph/rules/builtin_rules.hpp"

namespace pepita {

class MemPepita final : public LearningRule {
 public:
  RuleEdges edges(int) const override {
    RuleEdges edges;
    edges.error_to_input_via_projection = true;
    edges.modulated_pass_recomputes_standard = true;
    return edges;
  }

  bool keeps_standard_presynaptic() const override { return false; }
  bool keeps_standard_activity() const override { return false; }
  bool learning_reads_weights() const override { return true; }  // both halves run through W_l

  void learn(LayerVisit& visit) const override {
    if (visit.pass() != Pass::modulated) visit.reject();
    const float scale = visit.learning_rate() / float(visit.batch().rows()) / float(visit.layer().positions());
    const Tensor& both = visit.integrate_recomputed_and_modulated();  // [h_l; h_l^err]
    const TensorHandle presynaptic = visit.lower_half_of_incoming();  // h_{l-1}^err
    if (visit.is_output()) {
      visit.update(*visit.output_error(*visit.upper_half(both)), *presynaptic, scale, Normalisation::batch_mean);
      return;
    }
    visit.update(*visit.halves_difference(both), *presynaptic, scale, Normalisation::batch_mean);
    visit.send_up(Pass::modulated, visit.release_dendrite());
  }

  LayerReaction reaction(Pass pass, const LayerPlace& place, BackwardVisits) const override {
    if (pass != Pass::modulated) return {};
    return {.takes = true, .updates = true, .up = place.is_output() ? Pass::evaluate : Pass::modulated, .down = false};
  }

  // As PEPITA: the update waits for the same chain, but holds nothing while it waits.
  int locking_stages(int layers, int) const override { return layers + 3; }

  void validate(const PepitaOptions& options) const override {
    if (options.output_error != OutputError::standard)
      throw std::invalid_argument("--output-error modulated does not apply to mempepita: its output error is the recomputed pass's");
    if (options.normalize_activity)
      throw std::invalid_argument("--normalize-activity is not implemented for mempepita (each half of its stacked pass needs its own norm)");
    if (options.mirror.on()) throw std::invalid_argument("feedback mirroring is not implemented for mempepita");
  }
};

std::unique_ptr<LearningRule> make_mempepita_rule() { return std::make_unique<MemPepita>(); }

}  // namespace pepita
