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

// Table 1. model: fc or conv; dataset: mnist, cifar10, cifar100; rule: bp, fa, drtp, pepita.
std::optional<PaperAccuracy> paper_table1(const std::string& rule, const std::string& model, const std::string& dataset);

// Table 3 (Appendix C): the slowness of the fully connected models, fitted to the mean of 10 runs.
std::optional<double> paper_slowness(const std::string& rule, const std::string& dataset);

}  // namespace pepita::cli::reproduce
