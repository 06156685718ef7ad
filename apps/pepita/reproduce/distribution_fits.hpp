#pragma once
// Maximum-likelihood fits of a Normal and of a Student-t distribution to a sample (a layer's
// trained weights: the paper's Appendix H fits both to the output layer's). The log-likelihoods
// say which describes the sample better; the Student-t nests the Normal (ν → ∞), so its maximum
// is never lower.
#include <span>

namespace pepita::cli::reproduce {

struct NormalFit {
  double mean = 0;
  double sigma = 0;           // the MLE: divides by n, not n − 1
  double log_likelihood = 0;  // summed over the sample
};

struct StudentTFit {
  double nu = 0;     // degrees of freedom; ∞ when the Normal (its limit) fits best
  double mu = 0;     // location
  double sigma = 0;  // scale
  double log_likelihood = 0;  // summed over the sample
  int iterations = 0;
  bool converged = false;  // the log-likelihood stopped rising before the iteration limit
};

// Throws std::invalid_argument for fewer than two values or values that are all equal.
NormalFit fit_normal(std::span<const double> sample);

// ECME (Liu & Rubin 1995): each iteration weighs every value by its expected precision
// (ν + 1)/(ν + z²), updates μ and σ in closed form from those weights, then ν by maximising the
// sample's likelihood at that μ and σ (golden-section search on ln ν within 64× of the last ν,
// ν ∈ [0.05, 10⁶]). Every step raises the likelihood; it stops when one raises it by less than
// 10⁻⁹ per value, or after 500 iterations, and a last, narrow search puts ν within ±0.02 %.
// Starts from the median and the scaled median absolute deviation, ν = 10. When the Normal fits
// at least as well, the maximum is at ν = ∞ (the Normal is the Student-t's limit), and the fit
// says so: ν = ∞ with the Normal's μ, σ and likelihood. Throws as fit_normal.
StudentTFit fit_student_t(std::span<const double> sample);

double normal_log_density(double x, double mean, double sigma);
double student_t_log_density(double x, double nu, double mu, double sigma);  // ν = ∞: the Normal's

}  // namespace pepita::cli::reproduce
