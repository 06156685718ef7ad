// `tsne` (Fig. 4): the hidden layer's representation h = ReLU(W₁·x) of the first test images,
// embedded in 2-D by exact t-SNE (exact_tsne.hpp) and coloured by class, for the fully connected
// MNIST network trained by PEPITA (Table 1's run, seed 0) — after training, from its last
// checkpoint, and before, with the initial weights of the same seed, rebuilt from the run's own
// configuration by the trainer that made it.
#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "data/dataset.hpp"
#include "datasets_on_disk.hpp"
#include "exact_tsne.hpp"
#include "experiment.hpp"
#include "final_checkpoint.hpp"
#include "layers/dense_layer.hpp"
#include "train/run_state.hpp"
#include "train/trainer.hpp"
#include "train_options.hpp"

namespace pepita::cli::reproduce {

namespace {

constexpr const char* embedded_dataset = "mnist";
// The paper does not say how many test images Fig. 4 embeds; 2000 keeps exact t-SNE to about a
// minute on one core. --quick embeds a few hundred, in under a second.
constexpr std::size_t full_samples = 2000, quick_samples = 200;
constexpr int neighbours = 10;

RunSpec embedded_run() { return {"pepita", "fc", embedded_dataset, 0}; }

std::vector<RunSpec> tsne_plan(const ReproduceSettings& settings) {
  if (const auto missing = missing_file(embedded_dataset, settings.data_dir))
    throw std::runtime_error("tsne needs MNIST: no " + *missing + " under " + settings.data_dir.string());
  return {embedded_run()};
}

// The hidden layer's activity σ(x·W₁ᵀ) for the first `count` images, count × hidden, computed by
// the library's own dense layer with the rule's hidden activation (W₁ is hidden × inputs,
// row-major). No dropout: the network as it is evaluated.
std::vector<float> hidden_representation(const Dataset& images, std::size_t count, const std::vector<float>& w1,
                                         Activation activation) {
  const std::size_t inputs = images.shape.size(), hidden = w1.size() / inputs;
  if (hidden * inputs != w1.size()) throw std::runtime_error("W1 does not fit images of " + std::to_string(inputs) + " pixels");
  DenseLayer layer(int(inputs), int(hidden), activation, /*momentum=*/0.0f);
  const Tensor x{AlignedFloats(images.image(0), images.image(0) + count * inputs), int(count), int(inputs)};
  Tensor h{AlignedFloats(count * hidden), int(count), int(hidden)};
  layer.forward(x, h, /*mask=*/nullptr, w1);
  return {h.values().begin(), h.values().end()};
}

Figure embedding_figure(const TsneEmbedding& embedding, const std::vector<int>& labels, const std::string& title) {
  Figure figure;
  figure.title = title;
  figure.x_label = "t-SNE dimension 1 (arbitrary units)";
  figure.y_label = "t-SNE dimension 2 (arbitrary units)";
  for (int digit = 0; digit < 10; ++digit) {
    Series series{.title = "digit " + std::to_string(digit), .style = SeriesStyle::points, .colour = digit};
    for (std::size_t i = 0; i < labels.size(); ++i)
      if (labels[i] == digit) {
        series.x.push_back(embedding.x[i]);
        series.y.push_back(embedding.y[i]);
      }
    figure.series.push_back(series);
  }
  return figure;
}

ExperimentReport tsne_report(const ReproduceSettings& settings, const FinishedRuns& runs) {
  const PlannedRun& run = runs.run(embedded_run());
  const Checkpoint trained = final_checkpoint(run, settings.epochs_per_run());
  const DatasetPair data = load_dataset(embedded_dataset, settings.data_dir);
  TrainConfig config = parse_train_options(run.train_args).config;
  // The initial network: the trainer draws W and F from the seed alone (layers/counter_rng.hpp).
  Trainer initial_trainer(config, data);
  const Checkpoint initial = capture_run_state(initial_trainer, "");
  // F never learns under PEPITA's uniform F: the rebuilt network has the run's F, or it is not the
  // run's initial network.
  if (checkpoint_array(initial, "F", "the rebuilt network") != checkpoint_array(trained, "F", run.checkpoint().string()))
    throw std::runtime_error("the network rebuilt from " + run.key + "'s configuration has another F than its checkpoint");

  const std::size_t count = std::min(settings.quick ? quick_samples : full_samples, data.test.size());
  std::vector<int> labels(data.test.labels.begin(), data.test.labels.begin() + std::ptrdiff_t(count));
  const std::size_t hidden = checkpoint_array(trained, "W1", run.checkpoint().string()).size() / data.test.shape.size();
  const TsneOptions options{.iterations = settings.quick ? 300 : 1000, .exaggerated_iterations = settings.quick ? 100 : 250};
  struct Phase {
    std::string name;
    const Checkpoint& weights;
    TsneEmbedding embedding{};
  };
  std::vector<Phase> phases = {{"initialization", initial}, {"trained", trained}};
  ExperimentReport out;
  out.title = "Fig. 4: t-SNE of the hidden representation before and after PEPITA training, fully connected MNIST";
  out.csv << "phase,sample,label,x,y\n";
  for (Phase& phase : phases) {
    const std::vector<float> h = hidden_representation(data.test, count, checkpoint_array(phase.weights, "W1", phase.name),
                                                       config.rule->hidden_activation());
    phase.embedding = exact_tsne(h, int(hidden), options);
    for (std::size_t i = 0; i < count; ++i)
      out.csv << phase.name << ',' << i << ',' << labels[i] << ',' << phase.embedding.x[i] << ','
              << phase.embedding.y[i] << '\n';
  }
  std::ostream& md = out.markdown;
  md << "The hidden layer's activity ReLU(W₁·x) for the first " << count << " MNIST test images, of the fully connected "
        "784-1024-10 network trained by PEPITA at the paper's settings (seed 0, "
     << settings.epochs_per_run()
     << " epochs), at its initial weights (rebuilt from the run's configuration; its F matches the checkpoint's) and "
        "after training (the run's last checkpoint). Each is embedded in 2-D by exact t-SNE: perplexity "
     << options.perplexity << ", " << options.iterations << " iterations, the first " << options.exaggerated_iterations
     << " with early exaggeration 12, learning rate " << options.learning_rate
     << ". The paper's Fig. 4 shows the two embeddings as pictures and gives no number; ours, as the fraction of each "
        "image's "
     << neighbours << " nearest neighbours in the embedding that show the same digit:\n\n"
     << "| network | same-digit neighbours | KL(P‖Q) at the end |\n|---|---|---|\n";
  for (const Phase& phase : phases)
    md << "| " << phase.name << " | " << fixed(100 * neighbour_agreement(phase.embedding, labels, neighbours), 1)
       << " % | " << fixed(phase.embedding.kl_divergence, 3) << " |\n";
  md << "\nChance is about 10 %; the t-SNE layout's axes and scale carry no meaning.\n";
  out.figure = embedding_figure(phases[1].embedding, labels,
                                "Fig. 4 (trained): t-SNE of the hidden layer after PEPITA training, " +
                                    std::to_string(count) + " MNIST test images");
  out.more_figures.push_back({"initialization", embedding_figure(phases[0].embedding, labels,
                                                                 "Fig. 4 (initialization): t-SNE of the hidden layer at "
                                                                 "the initial weights, " +
                                                                     std::to_string(count) + " MNIST test images")});
  return out;
}

}  // namespace

Experiment tsne_experiment() {
  return {"tsne", "Fig. 4: exact t-SNE of the hidden layer of 2000 test images, before and after PEPITA training (fc MNIST)",
          tsne_plan, tsne_report};
}

}  // namespace pepita::cli::reproduce
