#pragma once
// The learning rules' variants, chosen per run (the rules themselves: graph/learning_rule.hpp).

namespace pepita {

// What modulates PEPITA's input on the second pass: the error (the rule), or the paper's
// ablation, a random vector k·r with r ~ U[0, 1)^classes drawn for every sample.
enum class Perturbation { error, random };

// Which error the PEPITA output layer learns from: Algorithm 1 uses the standard pass's
// (h_L − y); the authors' fully connected code uses the modulated pass's (h_L^err − y).
enum class OutputError { standard, modulated };

// Which activity is the presynaptic term of a hidden update: the modulated pass (eqs. 3–4) or
// the standard pass (the variant the paper reports performs the same).
enum class Presynaptic { modulated, standard };

// PEPITA's convolutional update sums difference × patch over the output positions; §3.3 divides
// the sum by the number of positions. The alternatives are there to measure the choice.
enum class ConvNormalisation { positions, sqrt_positions, none };

struct PepitaOptions {
  float f_scale = 0.05f;  // F ~ U(±f_scale·√(6/input_dim))
  Perturbation perturbation = Perturbation::error;
  float perturbation_scale = 1.0f;  // k
  OutputError output_error = OutputError::standard;
  Presynaptic presynaptic = Presynaptic::modulated;
  ConvNormalisation conv_normalisation = ConvNormalisation::positions;
};

// Hyper-parameters every node reads; changed only while the graph is idle (between epochs).
struct LearningState {
  float learning_rate = 0.1f;
};

}  // namespace pepita
