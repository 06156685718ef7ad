#pragma once
// The learning rule's variants, chosen per run.
#include <cstdint>

namespace pepita {

// Which error the PEPITA output layer learns from: Algorithm 1 uses the standard pass's
// (h_L − y); the authors' fully connected code uses the modulated pass's (h_L^err − y).
enum class OutputError { standard, modulated };

// Which activity is the presynaptic term of a hidden update: the modulated pass (eqs. 3–4) or
// the standard pass (the variant the paper reports performs the same).
enum class Presynaptic { modulated, standard };

struct PepitaOptions {
  float f_scale = 0.05f;  // F ~ U(±f_scale·√(6/input_dim))
  OutputError output_error = OutputError::standard;
  Presynaptic presynaptic = Presynaptic::modulated;
};

// Hyper-parameters every node reads; changed only while the graph is idle (between epochs).
struct LearningState {
  float learning_rate = 0.1f;
};

}  // namespace pepita
