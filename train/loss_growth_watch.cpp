#include "train/loss_growth_watch.hpp"

#include <sstream>

namespace pepita {

std::optional<std::string> loss_growth_warning(std::span<const EpochRecord> history, std::span<const std::string> layer_names,
                                               int rises) {
  std::size_t streak = 0;  // epochs, up to the last, whose loss exceeds the one before
  while (streak + 1 < history.size() &&
         history[history.size() - 1 - streak].train_loss > history[history.size() - 2 - streak].train_loss)
    ++streak;
  if (rises < 1 || streak == 0 || streak % std::size_t(rises) != 0) return std::nullopt;
  const EpochRecord& first = history[history.size() - 1 - streak];
  const EpochRecord& last = history.back();
  std::size_t fastest = 0;
  double fastest_growth = 0;
  const std::size_t layers = std::min({first.weight_norms.size(), last.weight_norms.size(), layer_names.size()});
  for (std::size_t l = 0; l < layers; ++l) {
    const double growth = first.weight_norms[l] > 0 ? last.weight_norms[l] / first.weight_norms[l] - 1 : 0;
    if (l == 0 || growth > fastest_growth) fastest = l, fastest_growth = growth;
  }
  std::ostringstream line;
  line.precision(4);
  line << "the training loss grew for " << streak << " epochs in a row (" << first.train_loss << " after epoch "
       << first.epoch << ", " << last.train_loss << " after epoch " << last.epoch << ")";
  if (layers > 0 && fastest_growth <= 0) {
    line << "; no layer's ‖W‖ grew over those epochs";  // the loss rose for another reason than norms
  } else if (layers > 0) {
    line.precision(3);
    line << "; " << layer_names[fastest] << "'s ‖W‖ grew fastest, +"
         << 100 * fastest_growth << "% (" << first.weight_norms[fastest] << " → " << last.weight_norms[fastest] << ")";
  }
  return line.str();
}

}  // namespace pepita
