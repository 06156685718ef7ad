#pragma once
#include <string>

namespace pepita {

// The non-linearity σ_l at a layer's output.
enum class Activation { identity, relu, tanh, sigmoid, softmax };

std::string to_string(Activation activation);

}  // namespace pepita
