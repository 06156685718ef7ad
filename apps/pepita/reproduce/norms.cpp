// `norms` (Fig. 3c): ‖W₁‖_F, the first layer's weights, after every epoch, per rule.
#include <sstream>

#include "epoch_series.hpp"

namespace pepita::cli::reproduce {

namespace {

// The epochs over which the mean norm only grows, from the first: the paper reports it rising
// monotonically for PEPITA over the first 50 epochs.
std::size_t rising_epochs(const EpochBand& band) {
  std::size_t e = 1;
  while (e < band.value.size() && band.value[e].mean > band.value[e - 1].mean) ++e;
  return e;
}

}  // namespace

Experiment norms_experiment() {
  return epoch_series_experiment({
      .name = "norms",
      .summary = "Fig. 3c: ‖W₁‖ (Frobenius) per epoch per rule (fc MNIST), mean ± std bands",
      .title = "Fig. 3c: norm of the first layer's weights, fully connected MNIST",
      .column = "weight_norm_1",
      .y_label = "‖W₁‖ (Frobenius norm, dimensionless)",
      .digits = 2,
      .rules = paper_rules,
      .beside_the_paper =
          [](const std::vector<RuleBand>& bands) {
            std::ostringstream md;
            md << "The paper (Fig. 3c, Appendix F) reports that under PEPITA ‖W₁‖ increases monotonically during the "
                  "first 50 epochs and keeps growing, more slowly, after the learning-rate decay at epoch 60. Ours: ";
            for (std::size_t r = 0; r < bands.size(); ++r) {
              const EpochBand& band = bands[r].band;
              const std::size_t rising = rising_epochs(band);
              md << (r ? "; " : "") << bands[r].rule << "'s mean norm rises " << (rising == band.value.size() ? "in every one" : "in the first " + std::to_string(rising))
                 << " of its " << band.value.size() << " epochs";
            }
            md << ".\n";
            return md.str();
          },
  });
}

}  // namespace pepita::cli::reproduce
