// The parts of `pepita reproduce` that decide numbers or reuse: the plateau fit behind the
// slowness, mean ± std over seeds, the run keys that decide whether a finished run is reused, and
// the Normal and Student-t fits of the weights, and the t-SNE of Fig. 4; a variant's own run length
// and a recorded divergence; a run asked for twice planned once, a timed run's threads; the pool
// that runs them, with a timed run alone.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "reproduce/child_process.hpp"
#include "reproduce/distribution_fits.hpp"
#include "reproduce/exact_tsne.hpp"
#include "reproduce/paper_values.hpp"
#include "reproduce/experiment.hpp"
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

  // A variant is another run, named in its key and label, with its options in its configuration.
  const PlannedRun f_zero = plan_run({"pepita", "fc", "mnist", 0, {"f-scale-0", {"--f-scale", "0"}}}, settings);
  CHECK(f_zero.key.rfind("pepita-fc-mnist-f-scale-0-seed0-", 0) == 0);
  CHECK(f_zero.spec.label() == "pepita fc mnist f-scale-0 seed 0");
  CHECK(f_zero.config.find("f-scale = 0\n") != std::string::npos);
  CHECK(base.config.find("f-scale = 0.05\n") != std::string::npos);
  CHECK_THROWS_AS(plan_run({"pepita", "fc", "mnist", 0, {"no/slash", {}}}, settings), std::logic_error);
}

TEST_CASE("a variant that only restates the paper's settings is the paper's run, trained once") {
  ReproduceSettings settings;
  settings.data_dir = "/nonexistent-data";
  settings.out_dir = std::filesystem::temp_directory_path() / "pepita-reproduce-keys";
  const RunSpec paper{"pepita", "fc", "mnist", 0};
  const RunSpec restated{"pepita", "fc", "mnist", 0, {"paper-h1024x1", {"--preset", "paper", "--hidden", "1024"}, true}};
  const RunSpec deeper{"pepita", "fc", "mnist", 0, {"paper-h1024x2", {"--preset", "paper", "--hidden", "1024,1024"}, true}};
  CHECK(plan_run(restated, settings).key == plan_run(paper, settings).key);
  CHECK(plan_run(deeper, settings).key.rfind("pepita-fc-mnist-paper-h1024x2-seed0-", 0) == 0);

  // Asked for by two experiments, it is planned once, and each report finds it under its own label.
  // It runs as the stricter asks: here its divergence is a result, because the study expects one.
  const auto asking = [](std::vector<RunSpec> specs) {
    return Experiment{"", "", [specs](const ReproduceSettings&) { return specs; }, {}};
  };
  const Plan plan = plan_experiments({asking({paper}), asking({restated, deeper})}, settings);
  REQUIRE(plan.runs.size() == 2);
  CHECK(plan.runs[0].spec.variant.may_diverge);
  CHECK_FALSE(plan.runs[0].spec.variant.timed);
  CHECK(plan.runs_per_experiment == std::vector<std::size_t>{1, 2});
  const FinishedRuns finished(plan.asked, settings);
  CHECK(finished.run(restated).dir == finished.run(paper).dir);
  CHECK(finished.run(deeper).dir != finished.run(paper).dir);
}

TEST_CASE("a timed run gets every core it is given for timed runs, and keeps the untimed run's key") {
  ReproduceSettings settings;
  settings.data_dir = "/nonexistent-data";
  settings.out_dir = std::filesystem::temp_directory_path() / "pepita-reproduce-keys";
  settings.threads_per_run = 1;
  settings.threads_per_timed_run = 6;
  const auto threads_of = [&](const PlannedRun& run) {
    const auto flag = std::find(run.train_args.begin(), run.train_args.end(), "--threads");
    REQUIRE(flag != run.train_args.end());
    return *std::next(flag);
  };
  const RunVariant one_epoch{"one-epoch", {"--epochs", "1"}};
  RunVariant timed = one_epoch;
  timed.timed = true;
  const PlannedRun untimed_run = plan_run({"pepita", "fc", "mnist", 0, one_epoch}, settings);
  const PlannedRun timed_run = plan_run({"pepita", "fc", "mnist", 0, timed}, settings);
  CHECK(threads_of(untimed_run) == "1");
  CHECK(threads_of(timed_run) == "6");
  CHECK(timed_run.key == untimed_run.key);
}

TEST_CASE("a variant's own --epochs and --max-batches win over the run-wide ones") {
  ReproduceSettings quick;
  quick.quick = true;
  quick.data_dir = "/nonexistent-data";
  quick.out_dir = std::filesystem::temp_directory_path() / "pepita-reproduce-keys";
  const PlannedRun timed = plan_run({"pepita", "fc", "mnist", 0, {"timed", {"--epochs", "1", "--max-batches", "30"}}}, quick);
  CHECK(timed.config.find("\nepochs = 1\n") != std::string::npos);
  CHECK(timed.config.find("\nmax-batches = 30\n") != std::string::npos);
  CHECK(timed.config.find("\nmax-eval-batches = 2\n") != std::string::npos);  // --quick's, which the variant left alone
}

TEST_CASE("deep's seeds and the schedulers' timing repeats are chosen apart, and --quick keeps one of each") {
  ReproduceSettings settings;
  settings.seeds = 3;
  CHECK(study_seeds(settings) == 3);  // neither given: --seeds
  CHECK(timing_repeats(settings) == 3);
  settings.study_seed_count = 1;
  CHECK(study_seeds(settings) == 1);
  CHECK(timing_repeats(settings) == 1);  // --repeats not given: the study's seeds, as before it existed
  settings.repeat_count = 5;
  CHECK(study_seeds(settings) == 1);
  CHECK(timing_repeats(settings) == 5);
  settings.quick = true;
  CHECK(study_seeds(settings) == 1);
  CHECK(timing_repeats(settings) == 1);
}

TEST_CASE("the ±2σ verdict uses the paper's σ and says on which side a miss lies") {
  const PaperAccuracy paper{98.01, 0.09};
  CHECK(within_two_sigma(98.01, paper).mark == "✔");
  CHECK(within_two_sigma(97.84, paper).inside);  // 0.17 below: inside 2σ = 0.18
  CHECK(within_two_sigma(98.18, paper).inside);
  const TwoSigmaVerdict below = within_two_sigma(97.80, paper), above = within_two_sigma(98.30, paper);
  CHECK_FALSE(below.inside);
  CHECK(below.mark == "✘ (below)");
  CHECK_FALSE(above.inside);
  CHECK(above.mark == "✘ (above)");
}

TEST_CASE("a recorded divergence completes a run, and says where it diverged") {
  ReproduceSettings settings;
  settings.data_dir = "/nonexistent-data";
  settings.out_dir = std::filesystem::temp_directory_path() / ("pepita-reproduce-divergence-" + std::to_string(::getpid()));
  const PlannedRun run = plan_run({"pepita", "fc", "mnist", 0, {"deep", {"--hidden", "8,8"}, true}}, settings);
  std::filesystem::create_directories(run.dir);
  CHECK_FALSE(run.complete());
  CHECK_FALSE(run.divergence());
  std::ofstream(run.divergence_record()) << "training diverged: non-finite output in epoch 2, batch 7 (standard pass)\n";
  CHECK(run.complete());
  CHECK(run.divergence() == "training diverged: non-finite output in epoch 2, batch 7 (standard pass)");
  std::filesystem::remove_all(settings.out_dir);
}

TEST_CASE("the Student-t density is the Cauchy's at ν = 1 and the Normal's as ν grows") {
  CHECK(student_t_log_density(0.0, 1.0, 0.0, 1.0) == doctest::Approx(-std::log(M_PI)));
  CHECK(student_t_log_density(1.0, 1.0, 0.0, 2.0) == doctest::Approx(-std::log(2 * M_PI * (1 + 0.25))));
  CHECK(student_t_log_density(0.7, 1e7, 0.2, 0.5) == doctest::Approx(normal_log_density(0.7, 0.2, 0.5)).epsilon(1e-6));
}

TEST_CASE("the maximum-likelihood fits recover the parameters a sample was drawn with") {
  std::mt19937_64 engine(7);
  std::student_t_distribution<double> t(3.0);
  std::normal_distribution<double> normal(-0.1, 0.02);
  std::vector<double> heavy(200000), light(200000);
  for (double& x : heavy) x = 0.3 + 0.05 * t(engine);
  for (double& x : light) x = normal(engine);

  const StudentTFit heavy_t = fit_student_t(heavy);
  CHECK(heavy_t.converged);
  CHECK(heavy_t.nu == doctest::Approx(3.0).epsilon(0.03));
  CHECK(heavy_t.mu == doctest::Approx(0.3).epsilon(0.002));
  CHECK(heavy_t.sigma == doctest::Approx(0.05).epsilon(0.02));
  const NormalFit heavy_normal = fit_normal(heavy);
  // Heavy tails: the Student-t fits far better per value; a Normal sample leaves it nothing to gain.
  CHECK((heavy_t.log_likelihood - heavy_normal.log_likelihood) / double(heavy.size()) > 0.05);

  const NormalFit light_normal = fit_normal(light);
  CHECK(light_normal.mean == doctest::Approx(-0.1).epsilon(0.001));
  CHECK(light_normal.sigma == doctest::Approx(0.02).epsilon(0.01));
  double direct = 0;
  for (double x : light) direct += normal_log_density(x, light_normal.mean, light_normal.sigma);
  CHECK(light_normal.log_likelihood == doctest::Approx(direct).epsilon(1e-9));
  const StudentTFit light_t = fit_student_t(light);
  CHECK(light_t.nu > 30);
  CHECK(light_t.log_likelihood >= light_normal.log_likelihood - 1e-6 * double(light.size()));
  CHECK((light_t.log_likelihood - light_normal.log_likelihood) / double(light.size()) < 1e-3);

  CHECK_THROWS_AS(fit_student_t(std::vector<double>{1.0, 1.0, 1.0}), std::invalid_argument);
  CHECK_THROWS_AS(fit_normal(std::vector<double>{1.0}), std::invalid_argument);
}

TEST_CASE("exact t-SNE keeps well-separated clusters apart, and the neighbour agreement measures it") {
  // Three Gaussian clusters in 8 dimensions, 40 points each, far apart.
  std::mt19937_64 engine(11);
  std::normal_distribution<float> noise(0, 0.3f);
  std::vector<float> points;
  std::vector<int> labels;
  for (int cluster = 0; cluster < 3; ++cluster)
    for (int i = 0; i < 40; ++i) {
      for (int d = 0; d < 8; ++d) points.push_back((d == cluster ? 5.0f : 0.0f) + noise(engine));
      labels.push_back(cluster);
    }
  const TsneEmbedding embedding = exact_tsne(points, 8, {.perplexity = 10, .iterations = 400, .exaggerated_iterations = 100});
  CHECK(embedding.x.size() == 120);
  CHECK(neighbour_agreement(embedding, labels, 5) > 0.98);
  CHECK(embedding.kl_divergence > 0);
  CHECK(embedding.kl_divergence < 1.0);
  // Labels that ignore the clusters agree only by chance (1/3 here).
  std::vector<int> shuffled;
  for (int i = 0; i < 120; ++i) shuffled.push_back(i % 3);
  CHECK(neighbour_agreement(embedding, shuffled, 5) < 0.6);

  CHECK_THROWS_AS(exact_tsne(std::vector<float>(16 * 8), 8, {.perplexity = 10}), std::invalid_argument);
  CHECK_THROWS_AS(exact_tsne(std::vector<float>(7), 2, {}), std::invalid_argument);
}

TEST_CASE("a timed run has the machine to itself: it waits for the others, and none starts beside it") {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("pepita-pool-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path events = dir / "events";
  // Job i appends "start i", sleeps a little, appends "end i".
  const auto job = [&](int i, bool alone) {
    const std::string n = std::to_string(i);
    return PoolJob{{"-c", "echo start " + n + " >> '" + events.string() + "'; sleep 0.3; echo end " + n + " >> '" +
                              events.string() + "'"},
                   dir / ("log" + n),
                   alone};
  };
  const std::vector<PoolJob> jobs = {job(0, false), job(1, false), job(2, true), job(3, false), job(4, false)};
  const PoolResult result = run_pool("/bin/sh", jobs, 2, [](std::size_t) {}, [] { return false; },
                                     [](std::size_t, int) { return false; });
  CHECK(result.finished == jobs.size());
  std::ifstream in(events);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  const auto at = [&](const std::string& event) {
    const auto found = std::find(lines.begin(), lines.end(), event);
    REQUIRE(found != lines.end());
    return found - lines.begin();
  };
  CHECK(at("start 1") < at("end 0"));  // the others run two at a time
  CHECK(at("end 0") < at("start 2"));   // the timed one waits for both
  CHECK(at("end 1") < at("start 2"));
  CHECK(at("end 2") < at("start 3"));   // and nothing starts beside it
  CHECK(at("start 4") < at("end 3"));   // then two at a time again
  std::filesystem::remove_all(dir);
}
