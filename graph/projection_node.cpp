#include "graph/projection_node.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "layers/counter_rng.hpp"
#include "layers/initializers.hpp"

namespace pepita {

ProjectionNode::ProjectionNode(tbb::flow::graph& graph, std::span<const int> widths, int max_rows,
                               const PepitaOptions& options, std::uint64_t seed)
    : options_(options),
      seed_(seed),
      widths_(widths.begin(), widths.end()),
      map_(widths.back(), widths.front(), Activation::identity, 0.0f),
      pool_(make_tensor_pool(max_rows, widths.front())),
      perturbation_pool_(make_tensor_pool(max_rows, widths.back())),
      node_(graph, tbb::flow::serial, taking_messages([this](const Message& m, Node::output_ports_type& ports) {
        PortsOutbox<Node::output_ports_type, 0, 1> out(ports);
        visit(m, out);
      })) {
  switch (options.f_init) {
    case FeedbackInit::uniform: input_projection(map_.weights(), widths.front(), options.f_scale, seed); break;
    case FeedbackInit::factored: {
      const std::vector<std::vector<float>> drawn = feedback_factors(widths, options.f_scale, seed);
      factored_input_projection(map_.weights(), drawn, widths);
      if (!options.mirror.on()) break;
      for (std::size_t l = 0; l < drawn.size(); ++l) {
        auto factor = std::make_unique<DenseLayer>(widths[l + 1], widths[l], Activation::identity, 0.0f);
        std::copy(drawn[l].begin(), drawn[l].end(), factor->weights().begin());
        factor->optimizer().set_learning_rate(options.mirror.learning_rate);
        factor->optimizer().set_weight_decay(options.mirror.decay);
        factors_.push_back(std::move(factor));
      }
      break;
    }
  }
}

std::vector<std::span<float>> ProjectionNode::factors() {
  std::vector<std::span<float>> spans;
  for (const auto& factor : factors_) spans.push_back(factor->weights());
  return spans;
}

namespace {
Tensor dense_tensor(int rows, int features) {
  Tensor t;
  t.storage.assign(std::size_t(rows) * std::size_t(features), 0.0f);
  t.rows = rows;
  t.features = features;
  return t;
}
}  // namespace

void ProjectionNode::multiply_factors() {
  // (B_l·P)ᵀ = Pᵀ·B_lᵀ: the factor's own forward pass on Pᵀ, classes rows tall, from B_L down.
  const int classes = widths_.back();
  const std::span<const float> last = factors_.back()->weights();  // n_{L-1} × classes
  Tensor product = dense_tensor(classes, widths_[widths_.size() - 2]);
  for (int i = 0; i < product.features; ++i)
    for (int c = 0; c < classes; ++c) product.row(c)[i] = last[std::size_t(i) * std::size_t(classes) + std::size_t(c)];
  for (std::size_t l = factors_.size() - 1; l-- > 0;) {
    Tensor next = dense_tensor(classes, widths_[l]);
    factors_[l]->forward(product, next, nullptr);
    product = std::move(next);
  }
  const std::span<float> f = map_.weights();  // n_0 × classes: F = −(B_1⋯B_L)
  for (int i = 0; i < product.features; ++i)
    for (int c = 0; c < classes; ++c) f[std::size_t(i) * std::size_t(classes) + std::size_t(c)] = -product.row(c)[i];
}

void ProjectionNode::learn_mirror(const Message& message) {
  NodeClock::Visit visit(clock_, message);
  if (factors_.empty()) reject_message("the projection without mirrored factors", message.pass);
  const BatchInfo& batch = *message.batch;
  const int rows = batch.rows();
  int column = 0;
  for (std::size_t l = 0; l < factors_.size(); ++l) {
    Tensor noise = dense_tensor(rows, widths_[l]);
    mirror_noise(noise.values(), seed_, l, batch.id);
    Tensor response = dense_tensor(rows, widths_[l + 1]);
    for (int r = 0; r < rows; ++r)
      std::copy(message.activity->row(r) + column, message.activity->row(r) + column + response.features, response.row(r));
    column += response.features;
    // ΔB = ξᵀ·y; the factor's optimizer subtracts scale·ΔB and decays by ηλ.
    factors_[l]->learn(noise, response, -options_.mirror.learning_rate / float(rows));
  }
  multiply_factors();
  // Back to F's initial deviation, each factor taking the L-th root of the correction.
  const std::span<float> f = map_.weights();
  double sum = 0, squares = 0;
  for (float v : f) sum += v, squares += double(v) * v;
  const double n = double(f.size());
  const double deviation = std::sqrt((squares - sum * sum / n) / (n - 1));  // unbiased, as torch.std
  if (!(deviation > 0)) return;
  const double target = double(options_.f_scale) * std::sqrt(2.0 / double(widths_.front()));
  const double correction = target / deviation;
  const float per_factor = float(std::pow(correction, 1.0 / double(factors_.size())));
  for (const auto& factor : factors_)
    for (float& w : factor->weights()) w *= per_factor;
  for (float& v : f) v = float(v * correction);
}

void draw_perturbation(std::span<float> values, Perturbation kind, float k, const CounterRng& rng) {
  if (kind == Perturbation::error) throw std::logic_error("draw_perturbation: the error is not drawn");
  const bool symmetric = kind == Perturbation::random_symmetric;
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = k * (symmetric ? 2.0f * rng.uniform(i) - 1.0f : rng.uniform(i));
}

TensorHandle ProjectionNode::random_perturbation(const BatchInfo& batch) {
  TensorHandle r = acquire_tensor(perturbation_pool_, batch.rows());
  draw_perturbation(r->values(), options_.perturbation, options_.perturbation_scale,
                    CounterRng(seed_, rng_stream::perturbation, batch.id));
  return r;
}

Message ProjectionNode::receive(const Message& message) {
  NodeClock::Visit visit(clock_, message);
  if (message.pass != Pass::error) reject_message("the projection", message.pass);
  TensorHandle projected = acquire_tensor(pool_, message.activity->rows);
  if (options_.perturbation != Perturbation::error) map_.forward(*random_perturbation(*message.batch), *projected, nullptr);
  else map_.forward(*message.activity, *projected, nullptr);
  return next_message(Pass::feedback, message, std::move(projected));
}

}  // namespace pepita
