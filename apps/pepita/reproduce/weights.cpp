// `weights` (Fig. 6, Fig. 10, Appendix H): the final weights of every layer of the fully connected
// MNIST network trained by BP and by PEPITA, with dropout (Table 1's runs) and without, read from
// each run's last checkpoint. Each layer's weights are fitted by maximum likelihood with a Normal
// and a Student-t distribution; the histograms are drawn with both fits.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "datasets_on_disk.hpp"
#include "distribution_fits.hpp"
#include "experiment.hpp"
#include "final_checkpoint.hpp"

namespace pepita::cli::reproduce {

namespace {

constexpr const char* histogram_model = "fc";
constexpr const char* histogram_dataset = "mnist";
constexpr int histogram_bins = 80;
constexpr int black = 10;  // in the figures' palette: the fits, as the paper draws them

struct TrainedNetwork {
  std::string name;
  std::string rule;
  RunVariant variant;
  std::string id() const { return rule + (variant.name.empty() ? "-dropout" : "-" + variant.name); }  // in the CSV, file names
};

// The paper's Fig. 6: BP and PEPITA, each with 10 % dropout (its Table 1 setting) and without.
const std::vector<TrainedNetwork> networks = {
    {"BP, dropout 10%", "bp", {}},
    {"BP, no dropout", "bp", {"no-dropout", {"--dropout", "0"}}},
    {"PEPITA, dropout 10%", "pepita", {}},
    {"PEPITA, no dropout", "pepita", {"no-dropout", {"--dropout", "0"}}},
};

std::vector<RunSpec> weights_plan(const ReproduceSettings& settings) {
  if (const auto missing = missing_file(histogram_dataset, settings.data_dir))
    throw std::runtime_error("weights needs MNIST: no " + *missing + " under " + settings.data_dir.string());
  std::vector<RunSpec> specs;
  for (const TrainedNetwork& network : networks)
    for (const RunSpec& spec : over_seeds(network.rule, histogram_model, histogram_dataset, settings, network.variant))
      specs.push_back(spec);
  return specs;
}

// W1, W2, … of the run's last checkpoint, as doubles, first layer first.
std::vector<std::vector<double>> final_weights(const PlannedRun& run, int epochs) {
  const Checkpoint checkpoint = final_checkpoint(run, epochs);
  std::vector<std::vector<double>> layers;
  for (int l = 1;; ++l) {
    const std::string name = "W" + std::to_string(l);
    const bool there = std::any_of(checkpoint.arrays.begin(), checkpoint.arrays.end(),
                                   [&](const auto& array) { return array.first == name; });
    if (!there && l > 1) break;  // a run without W1 is an error, which checkpoint_array names
    const std::vector<float>& weights = checkpoint_array(checkpoint, name, run.checkpoint().string());
    layers.emplace_back(weights.begin(), weights.end());
  }
  return layers;
}

struct LayerFits {
  NormalFit normal;
  StudentTFit student_t;
  double low = 0, high = 0;  // the smallest and largest weight
  std::size_t count = 0;
};

LayerFits fit_layer(const std::vector<double>& weights) {
  const auto [low, high] = std::minmax_element(weights.begin(), weights.end());
  return {fit_normal(weights), fit_student_t(weights), *low, *high, weights.size()};
}

// A density histogram over [low, high]: counts / (values · bin width), per bin centre.
Series histogram(const std::vector<double>& values, double low, double high, const std::string& title, int colour) {
  const double width = (high - low) / histogram_bins;
  std::vector<double> counts(histogram_bins, 0);
  for (double v : values) counts[std::min(histogram_bins - 1, std::max(0, int((v - low) / width)))] += 1;
  Series series{.title = title, .style = SeriesStyle::line, .colour = colour};
  for (int b = 0; b < histogram_bins; ++b) {
    series.x.push_back(low + (b + 0.5) * width);
    series.y.push_back(counts[b] / (double(values.size()) * width));
  }
  return series;
}

Series density_curve(const std::string& title, SeriesStyle style, double low, double high, int colour,
                     const std::function<double(double)>& log_density) {
  Series series{.title = title, .style = style, .colour = colour};
  for (int i = 0; i <= 300; ++i) {
    const double x = low + (high - low) * i / 300.0;
    series.x.push_back(x);
    series.y.push_back(std::exp(log_density(x)));
  }
  return series;
}

std::string nu_text(double nu) { return std::isinf(nu) ? "∞" : fixed(nu, 2); }

std::string layer_name(std::size_t layer, std::size_t layers) {
  return layer + 1 == layers ? "output layer (W" + std::to_string(layer + 1) + ")"
                             : "hidden layer " + std::to_string(layer + 1) + " (W" + std::to_string(layer + 1) + ")";
}

ExperimentReport weights_report(const ReproduceSettings& settings, const FinishedRuns& runs) {
  ExperimentReport out;
  out.title = "Fig. 6, Fig. 10: distributions of the trained weights, BP and PEPITA, with and without dropout";
  // fits[network][seed][layer]; the histograms are of seed 0, as the paper draws one network.
  std::vector<std::vector<std::vector<LayerFits>>> fits(networks.size());
  std::vector<std::vector<std::vector<double>>> seed0(networks.size());
  std::ostream& md = out.markdown;
  out.csv << "network,seed,layer,weights,min,max,normal_mean,normal_sigma,normal_log_likelihood,t_nu,t_mu,t_sigma,"
             "t_log_likelihood,t_iterations,t_converged\n";
  // The runs' fits two at a time: they are independent, and a layer of 800 000 weights takes a
  // second to fit.
  struct RunFits {
    std::vector<std::vector<double>> weights;  // kept for seed 0's histograms only
    std::vector<LayerFits> layers;
  };
  std::vector<std::pair<std::size_t, int>> jobs;  // network, seed
  for (std::size_t n = 0; n < networks.size(); ++n)
    for (int seed = 0; seed < runs.seeds(); ++seed) jobs.emplace_back(n, seed);
  std::vector<RunFits> done(jobs.size());
  std::vector<std::exception_ptr> failures(jobs.size());
  std::atomic<std::size_t> next_job{0};
  {
    std::vector<std::jthread> workers;
    for (int w = 0; w < 2; ++w)
      workers.emplace_back([&] {
        for (std::size_t j; (j = next_job++) < jobs.size();) try {
            const auto [n, seed] = jobs[j];
            const RunSpec spec{networks[n].rule, histogram_model, histogram_dataset, seed, networks[n].variant};
            done[j].weights = final_weights(runs.run(spec), settings.epochs_per_run());
            for (const std::vector<double>& layer : done[j].weights) done[j].layers.push_back(fit_layer(layer));
            if (seed != 0) done[j].weights.clear();
          } catch (...) {
            failures[j] = std::current_exception();
          }
      });
  }
  for (const std::exception_ptr& failure : failures)
    if (failure) std::rethrow_exception(failure);
  for (std::size_t n = 0, next = 0; n < networks.size(); ++n)
    for (int seed = 0; seed < runs.seeds(); ++seed) {
      RunFits& run = done[next++];
      if (seed == 0) seed0[n] = std::move(run.weights);
      for (std::size_t l = 0; l < run.layers.size(); ++l) {
        const LayerFits& f = run.layers[l];
        out.csv << networks[n].id() << ',' << seed << ',' << l + 1 << ',' << f.count << ',' << f.low << ',' << f.high
                << ',' << f.normal.mean << ',' << f.normal.sigma << ',' << f.normal.log_likelihood << ','
                << f.student_t.nu << ',' << f.student_t.mu << ',' << f.student_t.sigma << ','
                << f.student_t.log_likelihood << ',' << f.student_t.iterations << ','
                << (f.student_t.converged ? "yes" : "no") << '\n';
      }
      fits[n].push_back(std::move(run.layers));
    }
  const std::size_t layers = seed0.front().size();
  // Over seeds: one number of a layer's fits per seed → mean ± std.
  const auto over_seeds_of = [&](std::size_t n, std::size_t l, const std::function<double(const LayerFits&)>& value) {
    std::vector<double> values;
    for (const auto& seed : fits[n]) values.push_back(value(seed[l]));
    return mean_std(values);
  };
  // ν is ∞ for a seed whose weights the Normal fits best, so it is listed per seed, not averaged.
  const auto nu_per_seed = [&](std::size_t n, std::size_t l) {
    std::string text;
    for (const auto& seed : fits[n]) {
      const double nu = seed[l].student_t.nu;
      text += (text.empty() ? "" : ", ") + nu_text(nu);
    }
    return text;
  };
  md << "The final weights of the fully connected 784-1024-10 network on MNIST, read from each run's last checkpoint, "
        "after "
     << settings.epochs_per_run() << " epochs at the paper's settings; mean ± std over " << runs.seeds()
     << (runs.seeds() == 1 ? " seed" : " seeds")
     << ". Each layer's weights are fitted by maximum likelihood with a Normal and a Student-t distribution "
        "(ECME, reproduce/distribution_fits.hpp); the log-likelihoods are per weight, in nats. The Student-t contains "
        "the Normal as ν → ∞, so it never fits worse (ν = ∞: the Normal is the best Student-t); what tells them apart "
        "is how much better it fits and how small ν is. Our networks start He-uniform (Table 2); §4.4 says \"the same normal distribution (He et al., 2015)\".\n\n"
     << "| layer | network | weights | std of the weights | Normal log-lik. / weight | Student-t log-lik. / weight | "
        "Student-t ν, per seed | gain of Student-t / weight |\n|---|---|---|---|---|---|---|---|\n";
  for (std::size_t l = 0; l < layers; ++l)
    for (std::size_t n = 0; n < networks.size(); ++n) {
      const double count = double(fits[n][0][l].count);
      md << "| " << layer_name(l, layers) << " | " << networks[n].name << " | " << fits[n][0][l].count << " | "
         << mean_std_text(over_seeds_of(n, l, [](const LayerFits& f) { return f.normal.sigma; }), 4) << " | "
         << mean_std_text(over_seeds_of(n, l, [&](const LayerFits& f) { return f.normal.log_likelihood / count; }), 4)
         << " | "
         << mean_std_text(over_seeds_of(n, l, [&](const LayerFits& f) { return f.student_t.log_likelihood / count; }), 4)
         << " | " << nu_per_seed(n, l) << " | "
         << mean_std_text(over_seeds_of(n, l, [&](const LayerFits& f) {
              return (f.student_t.log_likelihood - f.normal.log_likelihood) / count;
            }), 5)
         << " |\n";
    }
  // The paper's claims (§4.4, Appendix H), each against our means; networks 0, 1 are BP, 2, 3 PEPITA.
  const std::size_t output = layers - 1;
  const auto mean_of = [&](std::size_t n, std::size_t l, const std::function<double(const LayerFits&)>& value) {
    return over_seeds_of(n, l, value).mean;
  };
  const auto sigma = [](const LayerFits& f) { return f.normal.sigma; };
  const auto range = [](const LayerFits& f) { return f.high - f.low; };
  const auto nu = [](const LayerFits& f) { return f.student_t.nu; };
  const auto gain = [](const LayerFits& f) {
    return (f.student_t.log_likelihood - f.normal.log_likelihood) / double(f.count);
  };
  md << "\nThe paper's claims against ours, with dropout | without:\n\n";
  const auto claim = [&](const std::string& text, const std::function<bool(std::size_t bp, std::size_t pepita)>& holds,
                         const std::function<std::string(std::size_t bp, std::size_t pepita)>& numbers) {
    md << "- " << text << ": " << (holds(0, 2) ? "yes" : "no") << " (" << numbers(0, 2) << ") | "
       << (holds(1, 3) ? "yes" : "no") << " (" << numbers(1, 3) << ")\n";
  };
  claim("the output layer's weights are spread wider under PEPITA than under BP (§4.4, Fig. 6b)",
        [&](auto bp, auto pe) { return mean_of(pe, output, sigma) > mean_of(bp, output, sigma); },
        [&](auto bp, auto pe) {
          return "std " + fixed(mean_of(pe, output, sigma), 4) + " against " + fixed(mean_of(bp, output, sigma), 4);
        });
  claim("the first layer's weights cover a slightly greater range under BP than under PEPITA (§4.4, Fig. 6a)",
        [&](auto bp, auto pe) { return mean_of(bp, 0, range) > mean_of(pe, 0, range); },
        [&](auto bp, auto pe) {
          return "max − min " + fixed(mean_of(bp, 0, range), 4) + " against " + fixed(mean_of(pe, 0, range), 4);
        });
  claim("the Student-t describes PEPITA's output layer better than BP's, which is close to Normal (Appendix H, "
        "Fig. 10): a larger gain per weight and a smaller mean ν for PEPITA",
        [&](auto bp, auto pe) {
          return mean_of(pe, output, gain) > mean_of(bp, output, gain) && mean_of(pe, output, nu) < mean_of(bp, output, nu);
        },
        [&](auto bp, auto pe) {
          return "gain " + fixed(mean_of(pe, output, gain), 5) + " against " + fixed(mean_of(bp, output, gain), 5) +
                 ", ν " + nu_per_seed(pe, output) + " against " + nu_per_seed(bp, output);
        });
  md << "\nThe histograms are of seed 0 (" << histogram_bins
     << " bins over the range of the four networks' weights in that layer), drawn as the density of weights per unit "
        "of weight.\n";
  // One figure per layer with the four networks (Fig. 6), then one per network's output layer with
  // both fits (Fig. 10).
  for (std::size_t l = 0; l < layers; ++l) {
    double low = seed0[0][l].front(), high = low;
    for (const auto& network : seed0)
      for (double w : network[l]) low = std::min(low, w), high = std::max(high, w);
    Figure figure{.title = "Fig. 6" + std::string(l == output ? "b" : "a") + ": trained weights of the " +
                           layer_name(l, layers) + ", fully connected MNIST, seed 0",
                  .x_label = "weight (dimensionless)",
                  .y_label = "probability density [1 / unit of weight]",
                  .x_categories = {},
                  .x_range = std::pair(low, high),
                  .y_range = std::nullopt,
                  .series = {}};
    for (std::size_t n = 0; n < networks.size(); ++n)
      figure.series.push_back(histogram(seed0[n][l], low, high, networks[n].name, int(n)));
    if (l == 0) out.figure = figure;
    else out.more_figures.push_back({"layer" + std::to_string(l + 1), figure});
  }
  for (std::size_t n = 0; n < networks.size(); ++n) {
    const std::vector<double>& weights = seed0[n][output];
    const auto [low, high] = std::minmax_element(weights.begin(), weights.end());
    const LayerFits& f = fits[n][0][output];
    Figure figure{.title = "Fig. 10: " + layer_name(output, layers) + " of " + networks[n].name + ", seed 0, with fits",
                  .x_label = "weight (dimensionless)",
                  .y_label = "probability density [1 / unit of weight]",
                  .x_categories = {},
                  .x_range = std::pair(*low, *high),
                  .y_range = std::nullopt,
                  .series = {}};
    figure.series.push_back(histogram(weights, *low, *high, "trained weights", int(n)));
    figure.series.push_back(density_curve("Normal fit (σ = " + fixed(f.normal.sigma, 4) + ")", SeriesStyle::line, *low,
                                          *high, black, [&](double x) { return normal_log_density(x, f.normal.mean, f.normal.sigma); }));
    figure.series.push_back(density_curve("Student-t fit (ν = " + nu_text(f.student_t.nu) + ")", SeriesStyle::dashed_line,
                                          *low, *high, black, [&](double x) {
                                            return student_t_log_density(x, f.student_t.nu, f.student_t.mu, f.student_t.sigma);
                                          }));
    out.more_figures.push_back({"fit-" + networks[n].id(), figure});
  }
  return out;
}

}  // namespace

Experiment weights_experiment() {
  return {"weights",
          "Fig. 6, 10: per-layer histograms of the final weights, BP and PEPITA ± dropout (fc MNIST), Normal and "
          "Student-t fits",
          weights_plan, weights_report};
}

}  // namespace pepita::cli::reproduce
