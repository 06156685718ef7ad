#include "final_checkpoint.hpp"

#include <stdexcept>

namespace pepita::cli::reproduce {

Checkpoint final_checkpoint(const PlannedRun& run, int epochs) {
  Checkpoint checkpoint = load_checkpoint(run.checkpoint());
  if (checkpoint.epoch != epochs || checkpoint.batch != 0)
    throw std::runtime_error(run.checkpoint().string() + " holds epoch " + std::to_string(checkpoint.epoch) +
                             (checkpoint.batch ? " and " + std::to_string(checkpoint.batch) + " batches" : "") +
                             ", not the end of the run's " + std::to_string(epochs) + " epochs");
  return checkpoint;
}

const std::vector<float>& checkpoint_array(const Checkpoint& checkpoint, const std::string& name,
                                           const std::string& source) {
  for (const auto& [array_name, values] : checkpoint.arrays)
    if (array_name == name) return values;
  throw std::runtime_error(source + ": no array " + name);
}

}  // namespace pepita::cli::reproduce
