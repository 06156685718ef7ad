#include "graph/update_history.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace pepita {

bool StashSettings::as_updates(const StageSpec& stage, std::size_t inputs, std::size_t outputs) const {
  if (flow.weights != WeightPolicy::stash || flow.stash_form == StashForm::copy) return false;
  const bool plain_steps = momentum == 0.0f && weight_decay == 0.0f && flow.updates == UpdateMode::immediate;
  if (stage.kind != StageSpec::Kind::dense || !plain_steps) return false;  // config.cpp refuses `updates` without plain steps
  if (flow.stash_form == StashForm::updates) return true;
  // Each batch still in flight can have seen at most in_flight − 1 updates since its standard pass.
  const double held = double(std::max(flow.in_flight - 1, 0)) * batch_rows * double(inputs + outputs);
  return held < double(inputs) * double(outputs);
}

// The products below are plain loops, not oneDNN primitives: at the batch sizes `auto` chooses
// this form for they are a few dot products and axpys of a row's length, far below
// what a primitive call costs to dispatch.

void UpdateHistory::record(std::uint64_t version, const Tensor& post, const Tensor& pre, float scale) {
  if (post.features != outputs_ || pre.features != inputs_ || post.rows != pre.rows)
    throw std::logic_error("update history: an update of the wrong shape");
  if (!steps_.empty() && steps_.back().version + 1 != version)
    throw std::logic_error("update history: update " + std::to_string(version) + " after " +
                           std::to_string(steps_.back().version) + " leaves a gap");
  steps_.push_back({version, scale, post.rows, AlignedFloats(post.values().begin(), post.values().end()),
                    AlignedFloats(pre.values().begin(), pre.values().end())});
  peak_bytes_ = std::max(peak_bytes_, bytes());
}

namespace {

float dot(const float* a, const float* b, int n) {
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

void add_scaled(float* into, const float* values, float factor, int n) {
  for (int i = 0; i < n; ++i) into[i] += factor * values[i];
}

}  // namespace

void UpdateHistory::add_terms(std::uint64_t version, const Tensor& in, Tensor& out, Factor read, Factor write) const {
  const int read_width = read == &Step::pre ? inputs_ : outputs_;
  const int write_width = write == &Step::pre ? inputs_ : outputs_;
  for (const Step& step : steps_) {
    if (step.version < version) continue;
    for (int r = 0; r < in.rows; ++r)
      for (int k = 0; k < step.rows; ++k) {
        const float coefficient = step.scale * dot(in.row(r), (step.*read).data() + std::size_t(k) * read_width, read_width);
        add_scaled(out.row(r), (step.*write).data() + std::size_t(k) * write_width, coefficient, write_width);
      }
  }
}

void UpdateHistory::add_to_forward(std::uint64_t version, const Tensor& x, Tensor& out) const {
  add_terms(version, x, out, &Step::pre, &Step::post);  // Σ s_k (x·Q_kᵀ)·P_k
}

void UpdateHistory::add_to_backward(std::uint64_t version, const Tensor& delta, Tensor& grad) const {
  add_terms(version, delta, grad, &Step::post, &Step::pre);  // Σ s_k (δ·P_kᵀ)·Q_k
}

void UpdateHistory::reconstruct(std::uint64_t version, std::span<const float> now, std::span<float> out) const {
  std::copy(now.begin(), now.end(), out.begin());
  for (const Step& step : steps_) {
    if (step.version < version) continue;
    for (int k = 0; k < step.rows; ++k)
      for (int o = 0; o < outputs_; ++o)
        add_scaled(out.data() + std::size_t(o) * inputs_, step.pre.data() + std::size_t(k) * inputs_,
                   step.scale * step.post[std::size_t(k) * outputs_ + o], inputs_);
  }
}

void UpdateHistory::forget_before(std::uint64_t version) {
  while (!steps_.empty() && steps_.front().version < version) steps_.pop_front();
}

bool UpdateHistory::changed_since(std::uint64_t version) const {
  return !steps_.empty() && steps_.back().version >= version;
}

std::size_t UpdateHistory::bytes() const {
  std::size_t total = 0;
  for (const Step& step : steps_) total += (step.post.size() + step.pre.size()) * sizeof(float);
  return total;
}

}  // namespace pepita
