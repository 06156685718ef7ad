// Trains PEPITA with the paper's settings through the pepita library, printing each epoch's test
// accuracy.
// usage: train_mnist DATA_DIR [DATASET [EPOCHS [MAX_BATCHES]]]
//   DATASET: mnist (DATA_DIR/mnist/), cifar10, cifar100, or idx:DIR; default mnist
//   EPOCHS: default 1; MAX_BATCHES: training batches per epoch, 0 (the default) for all
#include <charconv>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>

#include "data/dataset.hpp"
#include "train/config.hpp"
#include "train/trainer.hpp"

namespace {

int count_argument(const char* text, const char* what) {
  const std::string s = text;
  int value = 0;
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (error != std::errc() || end != s.data() + s.size() || value < 0)
    throw std::invalid_argument(std::string(what) + ": '" + s + "' is not a count");
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 5) {
    std::fprintf(stderr, "usage: train_mnist DATA_DIR [DATASET [EPOCHS [MAX_BATCHES]]]\n");
    return 2;
  }
  try {
    const std::string dataset = argc > 2 ? argv[2] : "mnist";
    pepita::TrainConfig config = pepita::paper_defaults(dataset, "fc", "pepita");
    config.data_dir = argv[1];
    config.epochs = argc > 3 ? count_argument(argv[3], "EPOCHS") : 1;
    config.max_batches = argc > 4 ? count_argument(argv[4], "MAX_BATCHES") : 0;
    pepita::validate(config);

    std::printf("train_mnist with pepita %s: %s, %d epochs\n", PEPITA_VERSION, dataset.c_str(), config.epochs);
    const pepita::DatasetPair data = pepita::load_dataset(config.dataset, config.data_dir);
    pepita::Trainer trainer(config, data);
    trainer.run([](const pepita::EpochRecord& r) {
      std::printf("epoch %d  train loss %.4f  test accuracy %.2f%%\n", r.epoch, r.train_loss, r.test_accuracy);
    });
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "train_mnist: %s\n", error.what());
    return 1;
  }
}
