// The parts of `pepita reproduce` that decide numbers or reuse: the plateau fit behind the
// slowness, mean ± std over seeds, and the run keys that decide whether a finished run is reused.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "reproduce/plateau_fit.hpp"
#include "reproduce/run_curves.hpp"
#include "reproduce/run_plan.hpp"

using namespace pepita::cli::reproduce;

TEST_CASE("the plateau fit recovers the slowness and plateau of a curve that follows the equation") {
  std::vector<double> epoch, accuracy;
  for (int e = 1; e <= 60; ++e) {
    epoch.push_back(e);
    accuracy.push_back(98.0 * e / (0.05 + e));
  }
  const PlateauFit fit = fit_plateau(epoch, accuracy);
  CHECK(fit.slowness == doctest::Approx(0.05).epsilon(1e-4));
  CHECK(fit.max_accuracy == doctest::Approx(98.0).epsilon(1e-6));
  CHECK(fit.rms_error < 1e-6);
  CHECK_FALSE(fit.unbounded);
}

TEST_CASE("a slow curve fits a large slowness, and a straight line has no plateau") {
  const PlateauFit slow = fit_plateau({1, 2, 5, 10, 20, 40}, {55 * 1 / 7.0, 55 * 2 / 8.0, 55 * 5 / 11.0, 55 * 10 / 16.0,
                                                              55 * 20 / 26.0, 55 * 40 / 46.0});
  CHECK(slow.slowness == doctest::Approx(6.0).epsilon(1e-4));
  const PlateauFit line = fit_plateau({1, 2, 3, 4}, {10, 20, 30, 40});
  CHECK(line.unbounded);
  CHECK_THROWS_AS(fit_plateau({1}, {90}), std::invalid_argument);
}

TEST_CASE("mean ± std over seeds uses the sample standard deviation") {
  const MeanStd two = mean_std({97.0, 99.0});
  CHECK(two.mean == doctest::Approx(98.0));
  CHECK(two.std == doctest::Approx(std::sqrt(2.0)));
  CHECK(mean_std({42.0}).std == 0);
  CHECK(mean_std({42.0}).count == 1);
}

TEST_CASE("a run's key follows every setting that shapes its result, and not its thread count") {
  ReproduceSettings settings;
  settings.data_dir = "/nonexistent-data";
  settings.out_dir = std::filesystem::temp_directory_path() / "pepita-reproduce-keys";
  const RunSpec spec{"pepita", "fc", "mnist", 0};
  const PlannedRun base = plan_run(spec, settings);
  CHECK(base.key.rfind("pepita-fc-mnist-seed0-", 0) == 0);
  CHECK(plan_run(spec, settings).key == base.key);

  ReproduceSettings more_threads = settings;
  more_threads.threads_per_run = 2;
  CHECK(plan_run(spec, more_threads).key == base.key);

  ReproduceSettings other_epochs = settings;
  other_epochs.epochs = 7;
  CHECK(plan_run(spec, other_epochs).key != base.key);
  ReproduceSettings quick = settings;
  quick.quick = true;
  CHECK(plan_run(spec, quick).key != base.key);
  CHECK(plan_run({"pepita", "fc", "mnist", 1}, settings).key != base.key);
  CHECK(plan_run({"bp", "fc", "mnist", 0}, settings).key != base.key);
  CHECK(plan_run({"pepita", "conv", "mnist", 0}, settings).key != base.key);
}
