// MaxPool against plain loops: forward in both modes, backward through the recorded argmax.
#include <doctest/doctest.h>

#include "layers/max_pool_layer.hpp"
#include "reference_conv.hpp"

using namespace pepita;
using namespace pepita::testing;

namespace {

// A workspace tensor as a caller's pool would hand it out: rows × workspace_features() floats.
Tensor workspace_for(const MaxPool& pool, int rows) {
  return output_tensor(rows, std::size_t(pool.workspace_features()));
}

// Random inputs have no ties, so the argmax, and with it backward, is unambiguous.
void check_against_reference(const PoolGeometry& g, int rows) {
  MaxPool pool(g.input, g.window, g.stride);
  const Tensor in = tensor_of(rows, random_values(rows * g.input.size(), 21));
  const Tensor grad_out = tensor_of(rows, random_values(rows * g.output().size(), 22));
  Tensor workspace = workspace_for(pool, rows);
  Tensor out = output_tensor(rows, g.output().size());
  Tensor grad_in = output_tensor(rows, g.input.size());

  pool.forward(in, out, nullptr);
  CHECK(out.rows == rows);
  CHECK(max_error(out.values(), max_pool_forward(g, rows, in.values())) == 0.0);

  pool.forward(in, out, &workspace);
  CHECK(max_error(out.values(), max_pool_forward(g, rows, in.values())) == 0.0);
  pool.backward(grad_out, workspace, grad_in);
  CHECK(grad_in.rows == rows);
  CHECK(max_error(grad_in.values(), max_pool_backward(g, rows, in.values(), grad_out.values())) < 1e-6);
}

}  // namespace

TEST_CASE("max pooling shapes: MNIST's 32×24×24 conv output pools to 32×12×12") {
  const MaxPool pool({32, 24, 24});
  const ImageShape out = pool.output_shape();
  CHECK((out.channels == 32 && out.height == 12 && out.width == 12));
  CHECK(pool.inputs() == 32 * 24 * 24);
  CHECK(pool.outputs() == 32 * 12 * 12);
  CHECK_THROWS_AS(MaxPool({1, 2, 2}, 3), std::invalid_argument);
}

TEST_CASE("max pooling matches the plain loops on a 2×6×6 batch of 2") {
  check_against_reference({{2, 6, 6}, 2, 2}, 2);
}

TEST_CASE("overlapping max pooling (window 3, stride 2) adds the gradients of shared winners") {
  check_against_reference({{2, 7, 7}, 3, 2}, 2);
}

TEST_CASE("max pooling on MNIST's conv output (32×24×24, batch 3) matches the plain loops") {
  check_against_reference({{32, 24, 24}, 2, 2}, 3);
}

TEST_CASE("a pool of rows × workspace_features() tensors holds the workspace of a batch of that many rows") {
  MaxPool pool({32, 24, 24});
  for (int rows : {1, 3, 64, 100})
    CHECK(std::size_t(rows) * pool.workspace_features() * sizeof(float) >= pool.workspace_bytes(rows));
  Tensor too_small = output_tensor(1, 1);
  const Tensor in = output_tensor(2, pool.inputs());
  Tensor out = output_tensor(2, pool.outputs());
  CHECK_THROWS_AS(pool.forward(in, out, &too_small), std::invalid_argument);
}
