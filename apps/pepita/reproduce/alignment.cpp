// `alignment` (Fig. 3b): the angle between the forward path W₂W₁ and Fᵀ, flattened, after every
// epoch (Xiao et al. 2018's measure); defined for PEPITA, whose F it is.
#include <sstream>

#include "epoch_series.hpp"

namespace pepita::cli::reproduce {

Experiment alignment_experiment() {
  return epoch_series_experiment({
      .name = "alignment",
      .summary = "Fig. 3b: angle between W₂W₁ and Fᵀ per epoch (PEPITA, fc MNIST), mean ± std band",
      .title = "Fig. 3b: angle between the forward path and F transposed, PEPITA, fully connected MNIST",
      .column = "feedback_angle_deg",
      .y_label = "angle ∠(W₂W₁, Fᵀ) [degrees]",
      .digits = 1,
      .rules = {"pepita"},
      .beside_the_paper =
          [](const std::vector<RuleBand>& bands) {
            const EpochBand& band = bands.front().band;
            std::ostringstream md;
            md << "The paper (Fig. 3b): about 90° at initialisation (random), rising during training and saturating at "
                  "about 120° (a soft anti-alignment). Ours: "
               << mean_std_text(band.value.front(), 1) << "° after epoch " << band.epoch.front() << ", "
               << mean_std_text(band.value.back(), 1) << "° after epoch " << band.epoch.back() << ".\n";
            return md.str();
          },
  });
}

}  // namespace pepita::cli::reproduce
