// `curves` (Fig. 3a, and Fig. 7 for MNIST): the test accuracy after every epoch, per rule.
#include <sstream>

#include "epoch_series.hpp"
#include "paper_values.hpp"

namespace pepita::cli::reproduce {

Experiment curves_experiment() {
  return epoch_series_experiment({
      .name = "curves",
      .summary = "Fig. 3a: test accuracy per epoch per rule (fc MNIST), mean ± std bands",
      .title = "Fig. 3a: test accuracy per epoch, fully connected MNIST",
      .column = "test_accuracy",
      .y_label = "test accuracy [%]",
      .digits = 2,
      .rules = paper_rules,
      .beside_the_paper =
          [](const std::vector<RuleBand>& bands) {
            std::ostringstream md;
            md << "The paper's Fig. 3a shows PEPITA's curve only, without numbers to read off; its Table 1 gives the "
                  "final values: ";
            for (std::size_t r = 0; r < bands.size(); ++r) {
              const PaperAccuracy paper = *paper_table1(bands[r].rule, "fc", "mnist");
              md << (r ? ", " : "") << bands[r].rule << " " << fixed(paper.mean, 2) << " ± " << fixed(paper.std, 2)
                 << " (ours after the last epoch " << mean_std_text(bands[r].band.value.back(), 2) << ")";
            }
            md << ".\n";
            return md.str();
          },
  });
}

}  // namespace pepita::cli::reproduce
