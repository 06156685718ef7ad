#pragma once
// A tiny, fully known classification problem for exact comparisons against plain-loop models.
#include <cstdint>
#include <vector>

#include "data/dataset.hpp"
#include "layers/counter_rng.hpp"
#include "train/config.hpp"
#include "train/trainer.hpp"

namespace pepita::testing {

// `count` samples of a C×H×W image with values in [0, 1] and labels cycling through the classes.
inline Dataset tiny_dataset(int count, ImageShape shape, int classes, std::uint64_t seed) {
  Dataset data;
  data.name = "tiny";
  data.shape = shape;
  data.classes = classes;
  const CounterRng rng(seed, 99);
  data.images.resize(std::size_t(count) * shape.size());
  for (std::size_t i = 0; i < data.images.size(); ++i) data.images[i] = rng.uniform(i);
  for (int i = 0; i < count; ++i) data.labels.push_back(i % classes);
  return data;
}

inline DatasetPair tiny_pair(int train_count = 15, ImageShape shape = {1, 3, 4}, int classes = 4) {
  return {tiny_dataset(train_count, shape, classes, 1), tiny_dataset(8, shape, classes, 2)};
}

inline TrainConfig tiny_config(std::vector<int> hidden = {8, 6}) {
  TrainConfig config;
  config.hidden = std::move(hidden);
  config.epochs = 1;
  config.batch_size = 5;
  config.eval_batch_size = 4;
  config.learning_rate = 0.1;
  config.decay_epochs = {};
  config.momentum = 0.9;
  config.dropout = 0.25;
  config.seed = 7;
  config.pepita.f_scale = 1.0f;  // a large F so the hidden updates are far from zero
  return config;
}

// Every learning layer's weights, copied.
inline std::vector<std::vector<float>> all_weights(Trainer& trainer) {
  std::vector<std::vector<float>> weights;
  for (int l = 0; l < trainer.graph().layer_count(); ++l) {
    auto w = trainer.graph().layer(l).layer().weights();
    weights.emplace_back(w.begin(), w.end());
  }
  return weights;
}

}  // namespace pepita::testing
