#include "distribution_fits.hpp"

#include <algorithm>
#include <tuple>
#include <utility>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <vector>

namespace pepita::cli::reproduce {

namespace {

constexpr double smallest_nu = 0.05, largest_nu = 1e6;
constexpr int iteration_limit = 500;
constexpr double rise_per_value = 1e-9;

void require_spread(std::span<const double> sample) {
  if (sample.size() < 2) throw std::invalid_argument("a distribution fit needs at least two values");
  const auto [low, high] = std::minmax_element(sample.begin(), sample.end());
  if (!(*high > *low)) throw std::invalid_argument("a distribution fit needs values that are not all equal");
}

double median(std::vector<double> values) {
  const auto middle = values.begin() + std::ptrdiff_t(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

double student_t_log_likelihood(std::span<const double> sample, double nu, double mu, double sigma) {
  const double constant = std::lgamma((nu + 1) / 2) - std::lgamma(nu / 2) - 0.5 * std::log(nu * std::numbers::pi) -
                          std::log(sigma);
  // Σ ln(1 + z²/ν) as the logarithm of products of 8 factors: one logarithm per 8 values, which
  // is most of a fit's time. A factor stays below 10³⁸ for |z| < 10¹⁸·√ν, so the product cannot
  // overflow, and it loses no more than a few ulps.
  constexpr std::size_t grouped = 8;
  double sum = 0;
  std::size_t i = 0;
  for (; i + grouped <= sample.size(); i += grouped) {
    double product = 1;
    for (std::size_t k = 0; k < grouped; ++k) {
      const double z = (sample[i + k] - mu) / sigma;
      product *= 1 + z * z / nu;
    }
    sum += std::log(product);
  }
  for (; i < sample.size(); ++i) {
    const double z = (sample[i] - mu) / sigma;
    sum += std::log1p(z * z / nu);
  }
  return double(sample.size()) * constant - (nu + 1) / 2 * sum;
}

// The ν step: the ν in [ν₀/spread, ν₀·spread] (within the limits) that maximises the likelihood
// of the sample itself at μ and σ, by `steps` golden-section steps on ln ν; ν₀ if nothing found
// there is better. Maximising the observed likelihood rather than EM's expected one (ECME rather
// than ECM) lets ν move by up to 64× per iteration, where ECM creeps towards ν → ∞ for a
// near-Normal sample.
std::pair<double, double> best_nu(std::span<const double> sample, double nu, double mu, double sigma,
                                  double log_likelihood_at_nu, double spread, int steps) {
  const auto at = [&](double log_nu) { return student_t_log_likelihood(sample, std::exp(log_nu), mu, sigma); };
  double low = std::log(std::max(smallest_nu, nu / spread)), high = std::log(std::min(largest_nu, nu * spread));
  const double ratio = (std::sqrt(5.0) - 1) / 2;
  double a = high - ratio * (high - low), b = low + ratio * (high - low);
  double fa = at(a), fb = at(b);
  for (int i = 0; i < steps; ++i) {  // each step keeps 62 % of the bracket
    if (fa < fb) {
      low = a;
      a = b, fa = fb;
      b = low + ratio * (high - low), fb = at(b);
    } else {
      high = b;
      b = a, fb = fa;
      a = high - ratio * (high - low), fa = at(a);
    }
  }
  const double found = fa > fb ? a : b, found_value = std::max(fa, fb);
  if (found_value > log_likelihood_at_nu) return {std::exp(found), found_value};
  return {nu, log_likelihood_at_nu};
}

}  // namespace

double normal_log_density(double x, double mean, double sigma) {
  const double z = (x - mean) / sigma;
  return -0.5 * z * z - std::log(sigma) - 0.5 * std::log(2 * std::numbers::pi);
}

double student_t_log_density(double x, double nu, double mu, double sigma) {
  if (std::isinf(nu)) return normal_log_density(x, mu, sigma);
  const double one[] = {x};
  return student_t_log_likelihood(one, nu, mu, sigma);
}

NormalFit fit_normal(std::span<const double> sample) {
  require_spread(sample);
  const double n = double(sample.size());
  double sum = 0;
  for (double x : sample) sum += x;
  NormalFit fit;
  fit.mean = sum / n;
  double squares = 0;
  for (double x : sample) squares += (x - fit.mean) * (x - fit.mean);
  fit.sigma = std::sqrt(squares / n);
  // At the MLE the squared deviations sum to n·σ², so the log-likelihood is closed-form.
  fit.log_likelihood = -n / 2 * (std::log(2 * std::numbers::pi * fit.sigma * fit.sigma) + 1);
  return fit;
}

StudentTFit fit_student_t(std::span<const double> sample) {
  require_spread(sample);
  const double n = double(sample.size());
  StudentTFit fit;
  fit.mu = median(std::vector<double>(sample.begin(), sample.end()));
  std::vector<double> deviations;
  deviations.reserve(sample.size());
  for (double x : sample) deviations.push_back(std::abs(x - fit.mu));
  fit.sigma = 1.4826 * median(deviations);  // the Normal's σ from the MAD: robust to the tails
  if (!(fit.sigma > 0)) fit.sigma = fit_normal(sample).sigma;
  fit.nu = 10;
  fit.log_likelihood = student_t_log_likelihood(sample, fit.nu, fit.mu, fit.sigma);
  for (fit.iterations = 1; fit.iterations <= iteration_limit; ++fit.iterations) {
    // E: the weights w = (ν + 1)/(ν + z²).
    double weight_sum = 0, weighted_x = 0;
    std::vector<double>& weights = deviations;  // reused: one weight per value
    for (std::size_t i = 0; i < sample.size(); ++i) {
      const double z = (sample[i] - fit.mu) / fit.sigma;
      const double w = (fit.nu + 1) / (fit.nu + z * z);
      weights[i] = w;
      weight_sum += w;
      weighted_x += w * sample[i];
    }
    // CM 1: μ and σ given the weights.
    const double mu = weighted_x / weight_sum;
    double weighted_squares = 0;
    for (std::size_t i = 0; i < sample.size(); ++i) weighted_squares += weights[i] * (sample[i] - mu) * (sample[i] - mu);
    const double sigma = std::sqrt(weighted_squares / n);
    // CM 2: ν given μ and σ.
    // 10 steps leave 0.8 % of the 64× bracket: ν within ±3 %, refined at the end.
    const auto [nu, log_likelihood] =
        best_nu(sample, fit.nu, mu, sigma, student_t_log_likelihood(sample, fit.nu, mu, sigma), 64, 10);
    const double rise = log_likelihood - fit.log_likelihood;
    if (rise < 0) {  // only rounding lowers it: at the optimum, keep the better point
      fit.converged = true;
      break;
    }
    fit.mu = mu;
    fit.sigma = sigma;
    fit.nu = nu;
    fit.log_likelihood = log_likelihood;
    if (rise < rise_per_value * n) {
      fit.converged = true;
      break;
    }
  }
  fit.iterations = std::min(fit.iterations, iteration_limit);
  // ν to ±0.02 %: 16 steps within 1.5× of where the iterations left it, at their μ and σ.
  std::tie(fit.nu, fit.log_likelihood) = best_nu(sample, fit.nu, fit.mu, fit.sigma, fit.log_likelihood, 1.5, 16);
  // The Student-t tends to the Normal as ν → ∞, so the Normal's maximum is the family's too: when
  // it is higher, the maximum is at ν = ∞.
  const NormalFit normal = fit_normal(sample);
  if (normal.log_likelihood >= fit.log_likelihood)
    fit = {.nu = std::numeric_limits<double>::infinity(), .mu = normal.mean, .sigma = normal.sigma,
           .log_likelihood = normal.log_likelihood, .iterations = fit.iterations, .converged = true};
  return fit;
}

}  // namespace pepita::cli::reproduce
