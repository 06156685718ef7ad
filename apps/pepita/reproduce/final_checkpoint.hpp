#pragma once
// The weights a finished run ended with, read from its checkpoint through the library's
// checkpoint code (train/checkpoint.hpp): `pepita train --checkpoint-dir` saves after every epoch,
// so once a run is complete its checkpoint holds the last epoch's weights.
#include <string>
#include <vector>

#include "run_plan.hpp"
#include "train/checkpoint.hpp"

namespace pepita::cli::reproduce {

// The run's checkpoint. Throws std::runtime_error naming the file if it holds another epoch than
// the run's last (`epochs`), and CheckpointError if it is missing or damaged.
Checkpoint final_checkpoint(const PlannedRun& run, int epochs);

// The array `name` ("W1", "F", …) of a checkpoint; throws std::runtime_error naming `source` and
// the array if there is none.
const std::vector<float>& checkpoint_array(const Checkpoint& checkpoint, const std::string& name,
                                           const std::string& source);

}  // namespace pepita::cli::reproduce
