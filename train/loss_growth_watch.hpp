#pragma once
// PEPITA can blow up slowly: the training loss grows for tens of epochs while accuracy swings
// (issue 13). After `rises` epochs in a row of growing training loss, and again after every
// further `rises`, this gives one line naming the layer whose ‖W‖ grew fastest over the streak.
// It reads the history the trainer keeps between epochs, so it adds nothing to the hot path.
#include <optional>
#include <span>
#include <string>

#include "train/trainer.hpp"

namespace pepita {

inline constexpr int loss_growth_epochs = 5;

std::optional<std::string> loss_growth_warning(std::span<const EpochRecord> history, std::span<const std::string> layer_names,
                                               int rises = loss_growth_epochs);

}  // namespace pepita
