// ConvLayer against plain loops, the paper's convolutional update, and finite differences.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "../copied_values.hpp"
#include "layers/conv_layer.hpp"
#include "layers/max_pool_layer.hpp"
#include "reference_conv.hpp"

using namespace pepita;
using namespace pepita::testing;

namespace {

const ConvGeometry tiny{{2, 6, 6}, 3, 3};
const ConvGeometry strided_padded{{2, 6, 6}, 3, 3, 2, 1};
const ConvGeometry mnist{{1, 28, 28}, 32, 5};

ConvLayer make_layer(const ConvGeometry& g, Activation activation, float momentum = 0.0f,
                     ImageLayout output_layout = ImageLayout::nchw) {
  ConvLayer layer(g.input, g.filters, g.kernel, activation, momentum, g.stride, g.padding, output_layout);
  const std::vector<float> w = random_values(g.weight_count(), 11, -0.5f, 0.5f);
  std::copy(w.begin(), w.end(), layer.weights().begin());
  return layer;
}

// The step learn(post, pre, scale) takes from zero velocity with momentum 0: W_before − W_after.
std::vector<float> learned_step(ConvLayer& layer, const Tensor& post, const Tensor& pre, float scale) {
  std::vector<float> step = copy_of(layer.weights());
  layer.learn(post, pre, scale);
  for (std::size_t i = 0; i < step.size(); ++i) step[i] -= layer.weights()[i];
  return step;
}

}  // namespace

TEST_CASE("conv shapes: MNIST's 1×28×28 through 32 filters 5×5 gives 32×24×24") {
  const ConvLayer layer = make_layer(mnist, Activation::relu);
  CHECK(layer.inputs() == 784);
  CHECK(layer.outputs() == 32 * 24 * 24);
  CHECK(layer.positions() == 24 * 24);
  CHECK(layer.weights().size() == 32 * 25);
  const ImageShape out = layer.output_shape();
  CHECK((out.channels == 32 && out.height == 24 && out.width == 24));
  CHECK(ConvLayer(tiny.input, 3, 3, Activation::relu, 0.0f, 2, 1).positions() == 9);
  CHECK_THROWS_AS(ConvLayer(tiny.input, 3, 7, Activation::relu, 0.0f), std::invalid_argument);
  CHECK_THROWS_AS(ConvLayer(tiny.input, 3, 3, Activation::softmax, 0.0f), std::invalid_argument);
}

TEST_CASE("conv forward with ReLU matches the plain loops, with and without a dropout mask") {
  for (const ConvGeometry& g : {tiny, strided_padded}) {
    CAPTURE(g.stride);
    const int rows = 2;
    ConvLayer layer = make_layer(g, Activation::relu);
    const Tensor in = tensor_of(rows, random_values(rows * g.input.size(), 1));
    const Tensor mask = tensor_of(rows, random_values(rows * g.output().size(), 2, 0.0f, 2.0f));
    Tensor out = output_tensor(rows, g.output().size());

    layer.forward(in, out, nullptr);
    CHECK(out.rows == rows);
    CHECK(max_error(out.values(), conv_forward(g, rows, in.values(), layer.weights(), Activation::relu)) < 1e-5);

    layer.forward(in, out, &mask);
    CHECK(max_error(out.values(), conv_forward(g, rows, in.values(), layer.weights(), Activation::relu,
                                               mask.values())) < 1e-5);
  }
}

TEST_CASE("conv forward through a weight stash uses the stash and leaves W alone") {
  const int rows = 2;
  ConvLayer layer = make_layer(tiny, Activation::relu);
  const std::vector<float> w = copy_of(layer.weights());
  const std::vector<float> stash = random_values(tiny.weight_count(), 15, -0.5f, 0.5f);
  const Tensor in = tensor_of(rows, random_values(rows * tiny.input.size(), 16));
  Tensor out = output_tensor(rows, tiny.output().size());

  layer.forward(in, out, nullptr, stash);
  CHECK(max_error(out.values(), conv_forward(tiny, rows, in.values(), stash, Activation::relu)) < 1e-5);
  layer.forward(in, out, nullptr);
  CHECK(max_error(out.values(), conv_forward(tiny, rows, in.values(), w, Activation::relu)) < 1e-5);
  CHECK_THROWS_AS(layer.forward(in, out, nullptr, std::span(stash).first(4)), std::invalid_argument);
}

TEST_CASE("conv weight gradient and backward_data match the plain loops") {
  for (const ConvGeometry& g : {tiny, strided_padded}) {
    CAPTURE(g.stride);
    const int rows = 2;
    ConvLayer layer = make_layer(g, Activation::relu);
    const Tensor pre = tensor_of(rows, random_values(rows * g.input.size(), 3));
    const Tensor post = tensor_of(rows, random_values(rows * g.output().size(), 4));
    const std::vector<float> feedback = random_values(g.weight_count(), 5);
    Tensor grad_in = output_tensor(rows, g.input.size());

    layer.backward_data(post, grad_in, {});
    CHECK(grad_in.rows == rows);
    CHECK(max_error(grad_in.values(), conv_backward_data(g, rows, post.values(), layer.weights())) < 1e-5);
    layer.backward_data(post, grad_in, feedback);
    CHECK(max_error(grad_in.values(), conv_backward_data(g, rows, post.values(), feedback)) < 1e-5);
    CHECK_THROWS_AS(layer.backward_data(post, grad_in, std::span(feedback).first(4)), std::invalid_argument);

    CHECK(max_error(learned_step(layer, post, pre, 1.0f), conv_weight_gradient(g, rows, post.values(), pre.values())) <
          1e-5);
  }
}

TEST_CASE("conv on MNIST's shape matches the plain loops on a batch of 3") {
  const int rows = 3;
  ConvLayer layer = make_layer(mnist, Activation::relu);
  const Tensor in = tensor_of(rows, random_values(rows * mnist.input.size(), 6, 0.0f, 1.0f));
  const Tensor post = tensor_of(rows, random_values(rows * mnist.output().size(), 7));
  Tensor out = output_tensor(rows, mnist.output().size());
  Tensor grad_in = output_tensor(rows, mnist.input.size());

  layer.forward(in, out, nullptr);
  CHECK(max_error(out.values(), conv_forward(mnist, rows, in.values(), layer.weights(), Activation::relu)) < 1e-5);
  layer.backward_data(post, grad_in, {});
  CHECK(max_error(grad_in.values(), conv_backward_data(mnist, rows, post.values(), layer.weights())) < 1e-5);
  CHECK(max_error(learned_step(layer, post, in, 1.0f), conv_weight_gradient(mnist, rows, post.values(), in.values())) <
        1e-5);
}

TEST_CASE("PEPITA's filter update: per-position mean of difference × patch, averaged over the batch") {
  const int rows = 2;
  const float eta = 0.1f;
  ConvLayer layer = make_layer(tiny, Activation::relu);
  const Tensor modulated_input = tensor_of(rows, random_values(rows * tiny.input.size(), 8));
  const Tensor difference = tensor_of(rows, random_values(rows * tiny.output().size(), 9));

  // The paper's form, one sample at a time: Σ over positions of difference × patch / positions.
  const double positions = tiny.output().height * tiny.output().width;
  std::vector<double> mean_update(tiny.weight_count(), 0.0);
  for (int n = 0; n < rows; ++n) {
    const auto sample_update =
        conv_weight_gradient(tiny, 1, std::span(difference.row(n), difference.features),
                             std::span(modulated_input.row(n), modulated_input.features));
    for (std::size_t i = 0; i < mean_update.size(); ++i) mean_update[i] += sample_update[i] / positions / rows;
  }
  std::vector<float> expected = copy_of(layer.weights());
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] -= float(eta * mean_update[i]);

  REQUIRE(layer.positions() == int(positions));
  layer.learn(difference, modulated_input, eta / float(rows * layer.positions()));
  CHECK(max_error(layer.weights(), expected) < 1e-6);
}

TEST_CASE("momentum: two steps give v ← μ·v + s·ΔW, W ← W − v") {
  const int rows = 2;
  const float mu = 0.9f, s1 = 0.05f, s2 = 0.02f;
  ConvLayer layer = make_layer(tiny, Activation::relu, mu);
  const Tensor pre = tensor_of(rows, random_values(rows * tiny.input.size(), 10));
  const Tensor post1 = tensor_of(rows, random_values(rows * tiny.output().size(), 11));
  const Tensor post2 = tensor_of(rows, random_values(rows * tiny.output().size(), 12));
  const auto g1 = conv_weight_gradient(tiny, rows, post1.values(), pre.values());
  const auto g2 = conv_weight_gradient(tiny, rows, post2.values(), pre.values());

  std::vector<float> w = copy_of(layer.weights()), v(w.size(), 0.0f);
  for (std::size_t i = 0; i < w.size(); ++i) {
    v[i] = s1 * g1[i];
    w[i] -= v[i];
    v[i] = mu * v[i] + s2 * g2[i];
    w[i] -= v[i];
  }
  layer.learn(post1, pre, s1);
  layer.learn(post2, pre, s2);
  CHECK(max_error(layer.velocity(), v) < 1e-6);
  CHECK(max_error(layer.weights(), w) < 1e-6);
}

TEST_CASE("conv gradients match central differences of L = Σ R ⊙ forward(x)") {
  for (Activation activation : {Activation::identity, Activation::tanh}) {
    CAPTURE(to_string(activation));
    const int rows = 2;
    const double eps = 1e-2;
    ConvLayer layer = make_layer(tiny, activation);
    Tensor x = tensor_of(rows, random_values(rows * tiny.input.size(), 13));
    const std::vector<float> r = random_values(rows * tiny.output().size(), 14);
    Tensor out = output_tensor(rows, tiny.output().size());
    const auto loss = [&] {
      layer.forward(x, out, nullptr);
      double sum = 0.0;
      for (std::size_t i = 0; i < r.size(); ++i) sum += double(r[i]) * out.values()[i];
      return sum;
    };
    const auto central_difference = [&](float& value) {
      const float original = value;
      value = float(original + eps);
      const double up = loss();
      value = float(original - eps);
      const double down = loss();
      value = original;
      return float((up - down) / (2 * eps));
    };

    // post = ∂L/∂z = R ⊙ σ'(z), with σ' read off the output.
    loss();
    std::vector<float> post = r;
    if (activation == Activation::tanh)
      for (std::size_t i = 0; i < post.size(); ++i) post[i] *= 1.0f - out.values()[i] * out.values()[i];
    const Tensor post_tensor = tensor_of(rows, post);

    Tensor grad_x = output_tensor(rows, tiny.input.size());
    layer.backward_data(post_tensor, grad_x, {});
    std::vector<float> numeric_x;
    for (float& value : x.values()) numeric_x.push_back(central_difference(value));
    CHECK(max_error(grad_x.values(), numeric_x) < 1e-3);

    std::vector<float> numeric_w;
    for (float& value : layer.weights()) numeric_w.push_back(central_difference(value));
    CHECK(max_error(learned_step(layer, post_tensor, x, 1.0f), numeric_w) < 1e-3);
  }
}

TEST_CASE("GPipe accumulation: G ← G + a·ΔW, the flush takes one momentum step from G and clears it") {
  const int rows = 2;
  const float mu = 0.9f, a1 = 0.5f, a2 = 0.25f, s = 0.05f;
  ConvLayer layer = make_layer(tiny, Activation::relu, mu);
  const Tensor pre = tensor_of(rows, random_values(rows * tiny.input.size(), 17));
  const Tensor post1 = tensor_of(rows, random_values(rows * tiny.output().size(), 18));
  const Tensor post2 = tensor_of(rows, random_values(rows * tiny.output().size(), 19));
  const auto g1 = conv_weight_gradient(tiny, rows, post1.values(), pre.values());
  const auto g2 = conv_weight_gradient(tiny, rows, post2.values(), pre.values());

  std::vector<float> w = copy_of(layer.weights()), v(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) {
    v[i] = s * (a1 * g1[i] + a2 * g2[i]);
    w[i] -= v[i];
    v[i] = mu * v[i] + s * a1 * g1[i];  // the second flush sees only what came after the first
    w[i] -= v[i];
  }
  layer.accumulate(post1, pre, a1);
  layer.accumulate(post2, pre, a2);
  layer.apply_accumulated(s);
  layer.accumulate(post1, pre, a1);
  layer.apply_accumulated(s);
  CHECK(max_error(layer.velocity(), v) < 1e-6);
  CHECK(max_error(layer.weights(), w) < 1e-6);
}

// What the graph does for a convolution that feeds a pool under PEPITA, BP and FA.
TEST_CASE("a conv handing its activity on blocked to a blocked pool computes what the nchw pair does") {
  const int rows = 3;
  ConvLayer plain = make_layer(mnist, Activation::relu);
  ConvLayer blocked = make_layer(mnist, Activation::relu, 0.0f, ImageLayout::blocked);
  MaxPool plain_pool(mnist.output(), 2), blocked_pool(mnist.output(), 2, 2, ImageLayout::blocked);
  const Tensor in = tensor_of(rows, random_values(rows * mnist.input.size(), 6, 0.0f, 1.0f));
  const Tensor grad_pooled = tensor_of(rows, random_values(rows * plain_pool.outputs(), 8));

  struct Pass {
    Tensor activity, pooled, workspace, grad, grad_in;
  };
  auto run = [&](ConvLayer& conv, MaxPool& pool) {
    Pass p{output_tensor(rows, conv.outputs()), output_tensor(rows, pool.outputs()),
           output_tensor(rows, std::size_t(pool.workspace_features())), output_tensor(rows, conv.outputs()),
           output_tensor(rows, conv.inputs())};
    conv.forward(in, p.activity, nullptr);
    pool.forward(p.activity, p.pooled, &p.workspace);
    pool.backward(grad_pooled, p.workspace, p.grad);
    conv.backward_data(p.grad, p.grad_in, {});
    conv.learn(p.grad, in, 1.0f);
    return p;
  };
  const Pass a = run(plain, plain_pool), b = run(blocked, blocked_pool);
  CHECK(max_error(a.pooled.values(), b.pooled.values()) == 0.0);
  CHECK(max_error(a.grad_in.values(), b.grad_in.values()) < 1e-6);
  CHECK(max_error(plain.weights(), blocked.weights()) < 1e-6);
  CHECK(max_error(plain.weights(), make_layer(mnist, Activation::relu).weights()) > 1e-4);  // and it learned
  // The activity itself is a permutation of each row: the same values, in another order.
  std::vector<float> x = copy_of(a.activity.values()), y = copy_of(b.activity.values());
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  CHECK(max_error(x, y) == 0.0);
  CHECK_THROWS_AS(ConvLayer(tiny.input, 3, 3, Activation::relu, 0.0f, 1, 0, ImageLayout::blocked), std::invalid_argument);
  CHECK_THROWS_AS(MaxPool(tiny.output(), 2, 2, ImageLayout::blocked), std::invalid_argument);
}
