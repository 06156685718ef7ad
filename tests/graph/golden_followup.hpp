#pragma once
// PEPITA as the ICLR 2024 follow-up's code trains it (FOLLOWUP.md §1, §3, §4), transcribed on whole
// batches, as that code computes: its modes modulated, forward and mixed, activity normalisation
// over the batch, x − F·e with F the product of the feedback factors, and torch's SGD with weight
// decay (buf ← μ·buf + g + λ·W, W ← W − η·buf).
#include "golden_net.hpp"

namespace pepita::testing {

enum class FollowupMode { modulated, forward, mixed, mixed_tl };

struct GoldenFollowup : GoldenNet {
  Matrix F;  // B_1⋯B_L: input × classes (the follow-up subtracts F·e)
  FollowupMode mode = FollowupMode::modulated;
  bool normalize = false;
  bool normalize_per_sample = false;  // ours (--normalize-over sample), not the follow-up's
  float weight_decay = 0;
  std::vector<Matrix> buffer;  // torch's momentum buffers
  // Feedback mirroring (FOLLOWUP.md §2): F's factors B_l (sizes[l] × sizes[l+1]) and their SGD.
  std::vector<Matrix> factors;
  float mirror_rate = 0, mirror_decay = 0, f_scale = 0;

  void normalise(std::vector<Vector>& rows) const {
    if (normalize_per_sample) {
      for (Vector& row : rows) {
        double squares = 0;
        for (float v : row) squares += double(v) * v;
        if (squares > 0)
          for (float& v : row) v = float(v / std::sqrt(squares));
      }
      return;
    }
    double squares = 0;
    for (const Vector& row : rows)
      for (float v : row) squares += double(v) * v;
    for (Vector& row : rows)
      for (float& v : row) v = float(v / std::sqrt(squares));
  }

  // FCnet.mirror_weights, then RandomFeedback.normalize_B, after a batch's W step.
  void mirror(std::uint64_t batch_id, int rows) {
    const int L = layers();
    for (int l = 0; l < L; ++l) {
      Matrix noise(std::size_t(rows) * std::size_t(in(l)));
      mirror_noise(noise, seed, std::uint64_t(l), batch_id);
      std::vector<Vector> y;
      for (int s = 0; s < rows; ++s)
        y.push_back(forward(l, Vector(noise.begin() + s * in(l), noise.begin() + (s + 1) * in(l)),
                            mask(l, batch_id, rows, s, rng_stream::mirror_dropout)));
      if (normalize && l + 1 < L) normalise(y);
      Matrix& b = factors[std::size_t(l)];
      for (int i = 0; i < in(l); ++i)
        for (int k = 0; k < out(l); ++k) {
          double correlation = 0;
          for (int s = 0; s < rows; ++s) correlation += double(noise[std::size_t(s * in(l) + i)]) * y[std::size_t(s)][std::size_t(k)];
          float& w = b[std::size_t(i * out(l) + k)];
          w = (1 - mirror_rate * mirror_decay) * w + float(mirror_rate * correlation / rows);
        }
    }
    F = product(std::vector<std::vector<float>>(factors.begin(), factors.end()), sizes);
    double sum = 0, squares = 0;
    for (float v : F) sum += v, squares += double(v) * v;
    const double n = double(F.size());
    const double correction = f_scale * std::sqrt(2.0 / in(0)) / std::sqrt((squares - sum * sum / n) / (n - 1));
    for (Matrix& b : factors)
      for (float& w : b) w = float(w * std::pow(correction, 1.0 / L));
    for (float& v : F) v = float(v * correction);
  }

  // B_1⋯B_L, multiplied left to right.
  static Matrix product(const std::vector<std::vector<float>>& factors, const std::vector<int>& widths) {
    Matrix p(factors[0].begin(), factors[0].end());
    for (std::size_t l = 1; l < factors.size(); ++l) {
      const std::size_t rows = std::size_t(widths[0]), inner = std::size_t(widths[l]), cols = std::size_t(widths[l + 1]);
      Matrix next(rows * cols, 0.0f);
      for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t c = 0; c < cols; ++c) {
          double sum = 0;
          for (std::size_t k = 0; k < inner; ++k) sum += double(p[i * inner + k]) * factors[l][k * cols + c];
          next[i * cols + c] = float(sum);
        }
      p = std::move(next);
    }
    return p;
  }

  // Every layer's activity for the whole batch: h[0] = X, h[l+1] = layer l's, normalised over the
  // batch where asked (hidden layers only).
  std::vector<std::vector<Vector>> forward_batch(const std::vector<Vector>& x, std::uint64_t batch_id,
                                                 std::uint64_t mask_stream = rng_stream::dropout) const {
    const int rows = int(x.size());
    std::vector<std::vector<Vector>> h{x};
    for (int l = 0; l < layers(); ++l) {
      std::vector<Vector> out;
      for (int s = 0; s < rows; ++s)
        out.push_back(forward(l, h.back()[std::size_t(s)], mask(l, batch_id, rows, s, mask_stream)));
      if (normalize && l + 1 < layers()) normalise(out);
      h.push_back(std::move(out));
    }
    return h;
  }

  // x − F·e for the batch, e = y − t from the standard pass's output.
  std::vector<Vector> modulated_input(const std::vector<Vector>& x, const std::vector<Vector>& y, const std::vector<Vector>& t) const {
    const int classes = out(layers() - 1);
    std::vector<Vector> x_err = x;
    for (std::size_t s = 0; s < x.size(); ++s)
      for (int i = 0; i < in(0); ++i)
        for (int c = 0; c < classes; ++c)
          x_err[s][std::size_t(i)] -= F[std::size_t(i * classes + c)] * (y[s][std::size_t(c)] - t[s][std::size_t(c)]);
    return x_err;
  }

  // torch's SGD step with weight decay, from gradients summed over n samples.
  void sgd_step(const std::vector<Matrix>& grad, int n, float lr) {
    if (buffer.empty()) buffer = zero_updates();
    for (int l = 0; l < layers(); ++l)
      for (std::size_t k = 0; k < W[std::size_t(l)].size(); ++k) {
        const float g = grad[std::size_t(l)][k] / float(n) + weight_decay * W[std::size_t(l)][k];
        buffer[std::size_t(l)][k] = momentum * buffer[std::size_t(l)][k] + g;
        W[std::size_t(l)][k] -= lr * buffer[std::size_t(l)][k];
      }
  }

  // mixed_tl (FOLLOWUP.md §4): forward, step A at once, fresh masks, the modulated pass through
  // the updated W with e from the first pass, step B.
  void step_time_local(const std::vector<Vector>& x, const std::vector<Vector>& t, std::uint64_t batch_id, float lr) {
    const int n = int(x.size()), L = layers();
    const auto h = forward_batch(x, batch_id);
    std::vector<Matrix> grad = zero_updates();
    for (int l = 0; l < L; ++l)
      for (int s = 0; s < n; ++s) accumulate_outer(grad[std::size_t(l)], h[std::size_t(l) + 1][std::size_t(s)], h[std::size_t(l)][std::size_t(s)]);
    sgd_step(grad, n, lr);
    const auto h_err = forward_batch(modulated_input(x, h[std::size_t(L)], t), batch_id, rng_stream::dropout_redrawn);
    grad = zero_updates();
    for (int l = 0; l < L; ++l)
      for (int s = 0; s < n; ++s) {
        Vector negated = l == L - 1 ? t[std::size_t(s)] : h_err[std::size_t(l) + 1][std::size_t(s)];
        for (float& v : negated) v = -v;
        accumulate_outer(grad[std::size_t(l)], negated, h_err[std::size_t(l)][std::size_t(s)]);
      }
    sgd_step(grad, n, lr);
  }

  void step(const Dataset& data, const std::vector<std::uint32_t>& samples, std::uint64_t batch_id, float lr) {
    const int n = int(samples.size()), L = layers(), classes = out(L - 1);
    std::vector<Vector> x, t;
    for (std::uint32_t sample : samples) {
      x.emplace_back(data.image(sample), data.image(sample) + in(0));
      t.emplace_back(std::size_t(classes), 0.0f);
      t.back()[std::size_t(data.labels[sample])] = 1.0f;
    }
    if (mode == FollowupMode::mixed_tl) return step_time_local(x, t, batch_id, lr);
    const auto h = forward_batch(x, batch_id);
    const auto h_err = forward_batch(modulated_input(x, h[std::size_t(L)], t), batch_id);

    std::vector<Matrix> grad = zero_updates();
    for (int l = 0; l < L; ++l)
      for (int s = 0; s < n; ++s) {
        const Vector& y = h[std::size_t(l) + 1][std::size_t(s)];
        const Vector& y_err = h_err[std::size_t(l) + 1][std::size_t(s)];
        const Vector& pre = h[std::size_t(l)][std::size_t(s)];
        const Vector& pre_err = h_err[std::size_t(l)][std::size_t(s)];
        const bool output = l == L - 1;
        Vector difference(y.size());
        for (std::size_t o = 0; o < y.size(); ++o)
          difference[o] = y[o] - (output ? t[std::size_t(s)][o] : y_err[o]);  // e at the output
        switch (mode) {
          case FollowupMode::modulated: accumulate_outer(grad[std::size_t(l)], difference, pre_err); break;
          case FollowupMode::forward: accumulate_outer(grad[std::size_t(l)], difference, pre); break;
          case FollowupMode::mixed_tl:  // step_time_local
          case FollowupMode::mixed: {
            accumulate_outer(grad[std::size_t(l)], y, pre);
            Vector negated = output ? t[std::size_t(s)] : y_err;
            for (float& v : negated) v = -v;
            accumulate_outer(grad[std::size_t(l)], negated, pre_err);
            break;
          }
        }
      }
    sgd_step(grad, n, lr);
  }
};

}  // namespace pepita::testing
