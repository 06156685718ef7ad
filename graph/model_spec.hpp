#pragma once
// A model as a chain of stages, written as a small spec:
//
//   spec   := stage ('-' stage)*
//   stage  := 'fc' N                      dense layer of N units (the last stage: N = classes)
//           | 'conv' F 'k' K ['s' S] ['p' P]  F filters K×K, stride S (1), zero padding P (0)
//           | 'pool' W ['s' S]             max pooling W×W, stride S (W)
//
// e.g. the paper's models: "fc1024-fc10" (fully connected) and "conv32k5-pool2-fc10" (conv).
// Hidden stages use the rule's hidden non-linearity; the last fc is the output layer.
#include <string>
#include <vector>

#include "data/dataset.hpp"

namespace pepita {

struct StageSpec {
  enum class Kind { dense, conv, pool };
  Kind kind = Kind::dense;
  int units = 0;    // dense: units; conv: filters
  int kernel = 0;   // conv: kernel size; pool: window
  int stride = 1;
  int padding = 0;
  bool learns() const { return kind != Kind::pool; }
};

// Parses a spec; throws std::invalid_argument naming the bad part. The last stage must be
// fc<classes>, pooling must follow a convolution, and every stage must fit its input.
std::vector<StageSpec> parse_model_spec(const std::string& spec, ImageShape input, int classes);

// The spec a `--model` value stands for: "fc" is fc<hidden…>-fc<classes>, "conv" the paper's
// conv32k5-pool2-fc<classes>; anything else is a spec.
std::string expand_model(const std::string& model, const std::vector<int>& hidden, int classes);

// The shape each stage produces from `input`.
std::vector<ImageShape> stage_shapes(const std::vector<StageSpec>& stages, ImageShape input);

std::string to_string(const StageSpec& stage);

// The graph node's name for a stage at `position` (1 first): "hidden 1", "conv 1", "pool 2",
// "output 3". Traces, node loads and schedules all use it.
std::string stage_node_name(const StageSpec& stage, int position, bool is_output);

}  // namespace pepita
