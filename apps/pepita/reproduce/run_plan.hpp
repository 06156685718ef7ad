#pragma once
// The training runs an experiment asks for, and where each one lives on disk. A run's directory
// is named by a key derived from its whole configuration (the lines `pepita train --config`
// reads), so a run is reused only when every setting that shapes its result is the same.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pepita::cli::reproduce {

// A departure from the paper's settings that an experiment studies — an ablation, whitened input,
// no dropout: a name for labels and run keys, and the `pepita train` options that make it. The
// default, with no name and no options, is the paper's settings.
struct RunVariant {
  std::string name;                  // letters, digits, '.', '-': it is part of a directory name
  std::vector<std::string> options{};  // e.g. {"--f-scale", "0"}; its --epochs or --max-batches win over the run-wide ones
  // A study of where training diverges (deep nets, long pipelines): a divergence is recorded as
  // the run's result and the other runs go on. Elsewhere a divergence stops `pepita reproduce`.
  bool may_diverge = false;
  // A run whose figures include its speed (the schedulers' throughput): `pepita reproduce` runs it
  // with no other run beside it, whatever --jobs says. Not part of the run's key.
  bool timed = false;
  bool operator==(const RunVariant&) const = default;
};

// What an experiment asks for: one rule on one model and data set, one seed, perhaps a variant.
// Everything else is `pepita train`'s paper default for that combination, or set for every run by
// ReproduceSettings.
struct RunSpec {
  std::string rule;
  std::string model;    // fc or conv
  std::string dataset;  // mnist, cifar10, cifar100
  int seed = 0;
  RunVariant variant{};
  bool operator==(const RunSpec&) const = default;
  std::string label() const;  // "pepita fc mnist seed 0", "pepita fc mnist f-scale-0 seed 0"
};

// What `pepita reproduce`'s options set for every run it plans.
struct ReproduceSettings {
  int seeds = 3;
  // Fewer seeds where a run costs more, when time forces it (the issue allows it for conv): the
  // convolutional runs' (--conv-seeds) and the studies' whose every run is a net of its own, deep
  // and schedulers (--study-seeds). Unset: --seeds.
  std::optional<int> conv_seed_count{};
  std::optional<int> study_seed_count{};
  // The repeats of schedulers' timed runs (--repeats; unset: the study's seeds). Apart from deep's
  // seeds because a repeat costs seconds where a deep seed costs an hour.
  std::optional<int> repeat_count{};
  int epochs = 0;  // 0: train's default (the paper's 100), or the quick count with --quick
  bool quick = false;
  std::filesystem::path data_dir;  // resolved, absolute
  std::filesystem::path out_dir;
  // The document that gathers several experiments' reports (--collection; DIR/reproduction.md).
  std::filesystem::path collection_file;
  int threads_per_run = 1;
  int threads_per_timed_run = 1;  // --threads, else every core: a timed run has the machine to itself
  std::string command_line;  // as typed, for the reports
  // The epochs every run trains for: --epochs, else the quick count, else the paper's.
  int epochs_per_run() const;
  // The seeds of one model's runs: --conv-seeds for conv, else --seeds.
  int seeds_of_model(const std::string& model) const;
  // The way from the collection's folder to DIR, "" or ending in '/': the collection's links to
  // the figures and data in DIR go through it ("reproduction/" for docs/reproduction.md).
  std::string out_dir_from_collection() const;
};

// A run with its key and files. A run is complete once its summary exists: `pepita train` writes
// it atomically after the last epoch, so it is never half there. A run that may diverge is also
// complete once its divergence is recorded: run again, it would diverge again.
struct PlannedRun {
  RunSpec spec;
  std::string key{};     // "pepita-fc-mnist-seed0-<16 hex digits>", "pepita-fc-mnist-zca-seed0-<…>"
  std::string config{};  // the configuration lines the key is derived from
  std::filesystem::path dir{};
  std::vector<std::string> train_args{};  // `pepita train …` without the output options

  std::filesystem::path metrics() const { return dir / "metrics.csv"; }
  std::filesystem::path summary() const { return dir / "summary.json"; }
  std::filesystem::path log() const { return dir / "train.log"; }
  std::filesystem::path checkpoint_dir() const { return dir / "checkpoint"; }
  std::filesystem::path divergence_record() const { return dir / "diverged.txt"; }
  // The checkpoint file in checkpoint_dir(): after the last epoch it holds the final weights.
  std::filesystem::path checkpoint() const;
  bool complete() const;
  // `pepita train`'s message ("training diverged: non-finite … in epoch 3, batch 17 …") if the run
  // diverged; nothing if it trained to the end.
  std::optional<std::string> divergence() const;
  // Interrupted after at least one epoch: its checkpoint continues it.
  bool resumable() const;
  // The arguments of `pepita train` that run (or continue) it, writing its files into dir.
  std::vector<std::string> command() const;
};

// Checks the run's options through train's own parser (a bad one is a UsageError now, before any
// training) and derives its key. Throws std::runtime_error if dir holds a run of another
// configuration under the same key. Throws std::logic_error for a variant name that cannot be
// part of a directory name.
PlannedRun plan_run(const RunSpec& spec, const ReproduceSettings& settings);

}  // namespace pepita::cli::reproduce
