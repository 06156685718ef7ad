#pragma once
// The learning rules' variants, chosen per run (the rules themselves: graph/learning_rule.hpp).

namespace pepita {

// What modulates PEPITA's input on the second pass: the error (the rule), or the paper's
// ablation, a random vector k·r drawn for every sample in place of e. The paper gives two draws:
// r ~ U[0, 1)^classes in Appendix D's text (random), r ~ U[−1, 1)^classes in Fig. 5's caption
// (random_symmetric, whose mean is zero like the error's is on average).
enum class Perturbation { error, random, random_symmetric };

// Which error the PEPITA output layer learns from: Algorithm 1 uses the standard pass's
// (h_L − y); the authors' fully connected code uses the modulated pass's (h_L^err − y).
enum class OutputError { standard, modulated };

// PEPITA's convolutional update sums difference × patch over the output positions; §3.3 divides
// the sum by the number of positions. The alternatives are there to measure the choice.
enum class ConvNormalisation { positions, sqrt_positions, none };

// How PEPITA's F is drawn: the paper's single matrix F ~ U(±s·√(6/n_0)), or the ICLR 2024
// follow-up's product of one Gaussian factor per layer, F = −B_1⋯B_L (layers/initializers.hpp).
// Either way std(F) = f_scale·√(2/n_0).
enum class FeedbackInit { uniform, factored };

// What --normalize-activity divides each hidden activity by: its batch's Frobenius norm (the
// follow-up's, one scalar, so the scale shrinks as √batch), or each sample's own norm (ours, so
// that a sample's activity does not depend on the batch it came in; at batch 1 the two agree).
enum class NormalisationScope { batch, sample };

// The follow-up's feedback mirroring (FOLLOWUP.md §2): each of F's factors B_l learns from layer
// l's response to noise ξ (B_l ← (1 − ηλ)·B_l + η·ξᵀ·σ(W_l ξ)/B), then F is rescaled to its initial
// deviation. It runs on every batch of 1-based epoch E when E ≤ pre_epochs, where W does not learn,
// or when E is a multiple of every.
struct MirrorOptions {
  int every = 0;        // 0: never
  int pre_epochs = 0;
  float learning_rate = 0.1f;  // the follow-up's train.py
  float decay = 0.5f;
  bool on() const { return every > 0 || pre_epochs > 0; }
  bool mirrors_in(int epoch) const { return epoch <= pre_epochs || (every > 0 && epoch % every == 0); }
  bool only_mirrors_in(int epoch) const { return epoch <= pre_epochs; }
};

struct PepitaOptions {
  float f_scale = 0.05f;  // std(F) = f_scale·√(2/input_dim)
  FeedbackInit f_init = FeedbackInit::uniform;
  Perturbation perturbation = Perturbation::error;
  float perturbation_scale = 1.0f;  // k
  OutputError output_error = OutputError::standard;
  // Each hidden layer's activity divided by its batch's Frobenius norm, h ← h / ‖h‖_F, after the
  // ReLU, in both passes and in evaluation (the follow-up's activity normalisation).
  bool normalize_activity = false;
  NormalisationScope normalisation_scope = NormalisationScope::batch;
  MirrorOptions mirror;
  ConvNormalisation conv_normalisation = ConvNormalisation::positions;
};

// Hyper-parameters every node reads; changed only while the graph is idle (between epochs).
struct LearningState {
  float learning_rate = 0.1f;
  bool mirroring = false;  // this epoch's batches also run the mirror pass (MirrorOptions)
};

}  // namespace pepita
