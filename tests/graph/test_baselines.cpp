// BP, FA, DFA and DRTP in the same graph: their updates against finite differences and golden
// transcriptions, and their message topology.
#include <doctest/doctest.h>

#include "golden_net.hpp"
#include "tiny_problem.hpp"

using namespace pepita;
using namespace pepita::testing;

namespace {

struct Setup {
  DatasetPair data = tiny_pair();
  TrainConfig config;
  explicit Setup(const std::string& rule, std::vector<int> hidden = {8, 6}) : config(tiny_config(std::move(hidden))) {
    config.rule = rule;
    config.max_batches = 1;
  }
  int inputs() const { return int(data.train.shape.size()); }
  int classes() const { return data.train.classes; }
};

GoldenNet golden_for(Trainer& trainer, const Setup& s) {
  GoldenNet net = GoldenNet::from(trainer, s.config, s.inputs(), s.classes());
  net.hidden = s.config.rule->hidden_activation();
  net.output = s.config.rule->output_activation();
  return net;
}

Vector one_hot(int label, int classes) {
  Vector y(std::size_t(classes), 0.0f);
  y[std::size_t(label)] = 1.0f;
  return y;
}

// One batch of DFA or DRTP on the golden net, with the graph's fixed feedback weights.
void golden_direct_step(GoldenNet& net, const std::vector<Matrix>& B, const Dataset& data,
                        const std::vector<std::uint32_t>& samples, float lr, const std::string& rule) {
  const int n = int(samples.size()), L = net.layers(), C = net.out(L - 1);
  std::vector<Matrix> dW = net.zero_updates();
  for (int s = 0; s < n; ++s) {
    const std::uint32_t sample = samples[std::size_t(s)];
    const std::vector<Vector> h = net.forward_all(Vector(data.image(sample), data.image(sample) + net.in(0)), 0, n, s);
    const Vector y = one_hot(data.labels[sample], C);
    Vector e = h.back();
    for (int c = 0; c < C; ++c) e[std::size_t(c)] -= y[std::size_t(c)];
    const Vector& signal = rule == "dfa" ? e : y;  // DFA broadcasts the error, DRTP the target
    for (int l = 0; l < L - 1; ++l) {
      const Vector mask = net.mask(l, 0, n, s);
      Vector post(std::size_t(net.out(l)));
      for (int o = 0; o < net.out(l); ++o) {
        double g = 0;
        for (int c = 0; c < C; ++c) g += double(signal[std::size_t(c)]) * B[std::size_t(l)][std::size_t(c * net.out(l) + o)];
        post[std::size_t(o)] = float(g) * net.derivative(h[std::size_t(l) + 1][std::size_t(o)], mask.empty() ? 1.0f : mask[std::size_t(o)]);
      }
      GoldenNet::accumulate_outer(dW[std::size_t(l)], post, h[std::size_t(l)]);
    }
    GoldenNet::accumulate_outer(dW[std::size_t(L) - 1], e, h[std::size_t(L) - 1]);
  }
  std::vector<float> scale(std::size_t(L), lr / float(n));
  if (rule == "drtp") {  // Frenkel's scaling: hidden sums over the batch, BCE means over batch and classes
    std::fill(scale.begin(), scale.end() - 1, lr);
    scale.back() = lr / float(n * C);
  }
  net.apply(dW, scale);
}

void expect_matches(Trainer& trainer, const GoldenNet& golden, const GoldenNet& initial) {
  for (int l = 0; l < golden.layers(); ++l) {
    INFO("layer " << l + 1);
    auto w = trainer.graph().layer(l).layer().weights();
    CHECK(largest_difference(w, initial.W[std::size_t(l)]) > 1e-4);
    CHECK(largest_difference(w, golden.W[std::size_t(l)]) < 1e-5);
  }
}

// Mean cross-entropy of a batch in double precision, for finite differences.
double batch_loss(const GoldenNet& net, const Dataset& data, const std::vector<std::uint32_t>& samples) {
  double total = 0;
  for (std::uint32_t sample : samples) {
    std::vector<double> a(data.image(sample), data.image(sample) + net.in(0));
    for (int l = 0; l < net.layers(); ++l) {
      std::vector<double> z(std::size_t(net.out(l)), 0.0);
      for (int o = 0; o < net.out(l); ++o)
        for (int i = 0; i < net.in(l); ++i) z[std::size_t(o)] += double(net.W[std::size_t(l)][std::size_t(o * net.in(l) + i)]) * a[std::size_t(i)];
      if (l < net.layers() - 1)
        for (double& v : z) v = std::max(v, 0.0);
      a = z;
    }
    const double top = *std::max_element(a.begin(), a.end());
    double sum = 0;
    for (double v : a) sum += std::exp(v - top);
    total -= a[std::size_t(data.labels[sample])] - top - std::log(sum);
  }
  return total / double(samples.size());
}

}  // namespace

TEST_CASE("BP's update equals a finite-difference gradient of the loss") {
  Setup s("bp");
  s.config.dropout = 0;
  s.config.momentum = 0;  // then W_before − W_after = η·∇L
  Trainer trainer(s.config, s.data);
  GoldenNet net = golden_for(trainer, s);
  const std::vector<Matrix> before = net.W;
  const auto samples = batch_samples(s.data.train, s.config, 0);
  trainer.run_epoch(1);
  const double eps = 1e-3;
  for (int l = 0; l < net.layers(); ++l) {
    auto after = trainer.graph().layer(l).layer().weights();
    double difference = 0, norm = 0;
    for (std::size_t k = 0; k < after.size(); ++k) {
      net.W = before;
      net.W[std::size_t(l)][k] += float(eps);
      const double up = batch_loss(net, s.data.train, samples);
      net.W[std::size_t(l)][k] -= float(2 * eps);
      const double down = batch_loss(net, s.data.train, samples);
      const double numerical = (up - down) / (2 * eps);
      const double from_graph = double(before[std::size_t(l)][k] - after[k]) / s.config.learning_rate;
      difference += (numerical - from_graph) * (numerical - from_graph);
      norm += numerical * numerical;
    }
    INFO("layer " << l + 1);
    CHECK(norm > 1e-8);
    CHECK(std::sqrt(difference / norm) < 1e-3);
  }
}

TEST_CASE("FA with B_l = W_l gives BP's first update exactly") {
  Setup bp("bp"), fa("fa");
  Trainer bp_trainer(bp.config, bp.data), fa_trainer(fa.config, fa.data);
  for (int l = 1; l < fa_trainer.graph().layer_count(); ++l) {
    auto w = fa_trainer.graph().layer(l).layer().weights();
    auto b = fa_trainer.graph().layer(l).feedback_weights();
    REQUIRE(b.size() == w.size());
    CHECK(largest_difference(b, Matrix(w.begin(), w.end())) > 0);  // B starts random, not W
    std::copy(w.begin(), w.end(), b.begin());
  }
  bp_trainer.run_epoch(1);
  fa_trainer.run_epoch(1);
  for (int l = 0; l < bp_trainer.graph().layer_count(); ++l) {
    auto a = bp_trainer.graph().layer(l).layer().weights();
    auto b = fa_trainer.graph().layer(l).layer().weights();
    CHECK(std::equal(a.begin(), a.end(), b.begin(), b.end()));
  }
}

TEST_CASE("DFA and DRTP match golden transcriptions of their equations") {
  for (const char* rule_name : {"dfa", "drtp"}) {
    for (const std::vector<int>& hidden : {std::vector<int>{8, 6}, std::vector<int>{8}}) {
      CAPTURE(rule_name);
      CAPTURE(hidden.size());
      Setup s(rule_name, hidden);
      Trainer trainer(s.config, s.data);
      GoldenNet golden = golden_for(trainer, s);
      const GoldenNet initial = golden;
      std::vector<Matrix> B;
      for (int l = 0; l + 1 < trainer.graph().layer_count(); ++l) {
        auto b = trainer.graph().layer(l).feedback_weights();
        B.emplace_back(b.begin(), b.end());
      }
      trainer.run_epoch(1);
      golden_direct_step(golden, B, s.data.train, batch_samples(s.data.train, s.config, 0), float(s.config.learning_rate),
                         rule_name);
      expect_matches(trainer, golden, initial);
    }
  }
}

TEST_CASE("message topology: only BP and FA send anything from a layer to the layer below") {
  for (const char* rule_name : {"pepita", "bp", "fa", "dfa", "drtp"}) {
    CAPTURE(rule_name);
    Setup s(rule_name, {8, 7, 6});
    Trainer trainer(s.config, s.data);
    TrainingGraph& graph = trainer.graph();
    auto depth = [&](const std::string& name) {
      for (int l = 0; l < graph.layer_count(); ++l)
        if (graph.layer(l).name() == name) return l;
      return -1;
    };
    int downward = 0;
    for (const auto& [from, to] : graph.edges())
      if (depth(from) >= 0 && depth(to) >= 0 && depth(to) < depth(from)) ++downward;
    const bool backward_rule = std::string(rule_name) == "bp" || std::string(rule_name) == "fa";
    CHECK(downward == (backward_rule ? graph.layer_count() - 1 : 0));
    const bool projection = std::any_of(graph.edges().begin(), graph.edges().end(),
                                        [](const auto& e) { return e.first == "projection" && e.second == "input"; });
    CHECK(projection == (std::string(rule_name) == "pepita"));
    trainer.run_epoch(1);  // and the graph runs to completion with that topology
  }
}
