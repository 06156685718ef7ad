#pragma once
// PEPITA transcribed from the paper (eqs. 1–5, Algorithm 1) on the plain-loop network.
#include "golden_net.hpp"
#include "graph/rule_options.hpp"

namespace pepita::testing {

struct GoldenPepita : GoldenNet {
  Matrix F;  // input × classes
  PepitaOptions options;
  bool standard_presynaptic = false;  // pepita-forward

  void step(const Dataset& data, const std::vector<std::uint32_t>& samples, std::uint64_t batch_id, float lr) {
    const int n = int(samples.size()), L = layers();
    std::vector<Matrix> dW = zero_updates();
    for (int s = 0; s < n; ++s) {
      const std::uint32_t sample = samples[std::size_t(s)];
      const Vector x(data.image(sample), data.image(sample) + in(0));
      const std::vector<Vector> h = forward_all(x, batch_id, n, s);
      Vector e = h.back();
      e[std::size_t(data.labels[sample])] -= 1.0f;
      Vector x_err(x);  // x + F·e
      for (int i = 0; i < in(0); ++i)
        for (int c = 0; c < out(L - 1); ++c) x_err[std::size_t(i)] += F[std::size_t(i * out(L - 1) + c)] * e[std::size_t(c)];
      const std::vector<Vector> h_err = forward_all(x_err, batch_id, n, s);
      for (int l = 0; l < L; ++l) {
        Vector post(std::size_t(out(l)));
        if (l < L - 1) {
          for (std::size_t o = 0; o < post.size(); ++o) post[o] = h[std::size_t(l) + 1][o] - h_err[std::size_t(l) + 1][o];
        } else {
          post = options.output_error == OutputError::standard ? h[std::size_t(L)] : h_err[std::size_t(L)];
          post[std::size_t(data.labels[sample])] -= 1.0f;
        }
        accumulate_outer(dW[std::size_t(l)], post, standard_presynaptic ? h[std::size_t(l)] : h_err[std::size_t(l)]);
      }
    }
    apply(dW, std::vector<float>(std::size_t(L), lr / float(n)));
  }
};

}  // namespace pepita::testing
