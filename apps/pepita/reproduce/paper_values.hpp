#pragma once
// The numbers the paper publishes that a run here can be checked against, as restated in
// ../shared/paper/SETTINGS.md (Dellaferrera & Kreiman, ICML 2022). These are the paper's
// values, never ours.
#include <optional>
#include <string>

namespace pepita::cli::reproduce {

struct PaperAccuracy {
  double mean = 0;  // test accuracy [%], over 10 runs
  double std = 0;
};

// Whether our mean would be an unremarkable draw from the paper's distribution: within its mean ± 2σ
// (its σ over 10 runs, not ours). The mark says on which side a miss lies: "✔", "✘ (above)" or
// "✘ (below)".
struct TwoSigmaVerdict {
  bool inside = false;
  std::string mark;
};
TwoSigmaVerdict within_two_sigma(double our_mean, const PaperAccuracy& paper);

// Table 1. model: fc or conv; dataset: mnist, cifar10, cifar100; rule: bp, fa, drtp, pepita.
std::optional<PaperAccuracy> paper_table1(const std::string& rule, const std::string& model, const std::string& dataset);

// Table 3 (Appendix C): the slowness of the fully connected models, fitted to the mean of 10 runs.
std::optional<double> paper_slowness(const std::string& rule, const std::string& dataset);

// Appendix D, the text under Fig. 5 (fully connected CIFAR-10 at Table 1's settings): the test
// accuracy at which a variant's curve saturates, given without a spread — "PEPITA" 52.6 and "F = 0"
// 44.6. The random perturbations are only drawn, not given as numbers. Nothing for other data sets:
// Fig. 5 is CIFAR-10 only.
std::optional<double> paper_ablation_accuracy(const std::string& variant, const std::string& dataset);

// Table 4 (Appendix G): PEPITA on fully connected MNIST, mean ± std over 10 runs, with ZCA-whitened
// input (at η = 0.01) or without (Table 1's cell).
PaperAccuracy paper_table4(bool whitened);

}  // namespace pepita::cli::reproduce
