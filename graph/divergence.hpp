#pragma once
#include <algorithm>
#include <cmath>
#include <span>
#include <stdexcept>
#include <string>

#include "graph/message.hpp"

namespace pepita {

// Training produced NaN or inf; the message names where, so the run can be reproduced.
struct Divergence : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// `where` names the place; it is called only on failure, so the check allocates nothing.
template <class Where>
void require_finite(std::span<const float> values, const BatchInfo& batch, Pass pass, Where where) {
  if (std::all_of(values.begin(), values.end(), [](float v) { return std::isfinite(v); })) return;
  throw Divergence("training diverged: non-finite " + std::string(where()) + " in epoch " + std::to_string(batch.epoch + 1) +
                   ", batch " + std::to_string(batch.index + 1) + " (" + to_string(pass) + " pass)");
}

}  // namespace pepita
