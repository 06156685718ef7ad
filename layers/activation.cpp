#include "layers/activation.hpp"

namespace pepita {

std::string to_string(Activation activation) {
  switch (activation) {
    case Activation::identity: return "identity";
    case Activation::relu: return "relu";
    case Activation::tanh: return "tanh";
    case Activation::sigmoid: return "sigmoid";
    case Activation::softmax: return "softmax";
  }
  return "?";
}

}  // namespace pepita
