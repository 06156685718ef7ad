#include "train/reports.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "schedulers/scheduler_options.hpp"
#include "train/json_text.hpp"
#include "train/simulation_report.hpp"

namespace pepita {

namespace {

// Closes a file descriptor on every path out.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  throw std::runtime_error(path.string() + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

void require_writable(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    errno = EISDIR;
    fail(path, "cannot be written");
  }
  const std::filesystem::path temporary = path.string() + ".tmp";
  FileDescriptor fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) fail(temporary, "cannot create");
  std::filesystem::remove(temporary, error);
}

void write_file_atomically(const std::filesystem::path& path, const std::string& content) {
  const std::filesystem::path temporary = path.string() + ".tmp";
  FileDescriptor fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) fail(temporary, "cannot create");
  // Until the rename succeeds, a failure removes the temporary (keeping errno for the message).
  const auto remove_and_fail = [&temporary](const std::filesystem::path& subject, const char* what) {
    const int saved = errno;
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    errno = saved;
    fail(subject, what);
  };
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd.get(), content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) remove_and_fail(temporary, "cannot write");
    written += std::size_t(n);
  }
  if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0) remove_and_fail(temporary, "cannot flush");
  if (std::rename(temporary.c_str(), path.c_str()) != 0) remove_and_fail(path, "cannot replace");
  // The new name lives in the directory: without syncing it a power cut can bring the old file
  // back. Some file systems cannot sync a directory (EINVAL); there the rename is all we have.
  const std::filesystem::path directory = path.has_parent_path() ? path.parent_path() : ".";
  FileDescriptor dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0 || (::fsync(dir.get()) != 0 && errno != EINVAL)) fail(directory, "cannot flush");
}

std::string metrics_csv(const std::vector<EpochRecord>& history) {
  std::ostringstream out;
  // Then ‖W_l‖_F per layer and the angle between W_L⋯W_1 and Fᵀ (empty where the run has none).
  const std::size_t layers = history.empty() ? 0 : history.front().weight_norms.size();
  out << "epoch,lr,train_loss,train_accuracy,test_loss,test_accuracy,train_seconds,samples_per_second";
  for (std::size_t l = 1; l <= layers; ++l) out << ",weight_norm_" << l;
  out << ",feedback_angle_deg\n";
  out << std::setprecision(8);
  for (const EpochRecord& r : history) {
    out << r.epoch << ',' << r.learning_rate << ',' << r.train_loss << ',' << r.train_accuracy << ',' << r.test_loss
        << ',' << r.test_accuracy << ',' << r.train_seconds << ',' << r.samples_per_second;
    for (double norm : r.weight_norms) out << ',' << norm;
    out << ',';
    if (r.feedback_angle_degrees) out << *r.feedback_angle_degrees;
    out << '\n';
  }
  return out.str();
}

double median_epoch_seconds(const std::vector<EpochRecord>& history) {
  if (history.empty()) return 0;
  std::vector<double> seconds;
  for (const EpochRecord& r : history) seconds.push_back(r.train_seconds);
  std::sort(seconds.begin(), seconds.end());
  const std::size_t n = seconds.size();
  return n % 2 ? seconds[n / 2] : 0.5 * (seconds[n / 2 - 1] + seconds[n / 2]);
}

namespace {

std::string scheduler_metrics_json(Trainer& trainer) {
  TrainingGraph& graph = trainer.graph();
  const GraphConfig& g = graph.config();
  std::ostringstream out;
  out << std::setprecision(6);
  out << "{\n    \"in_flight\": " << g.flow.in_flight
      << ", \"weights\": " << json_string(scheduler_option("weights").write(trainer.config().scheduler))
      << ", \"staleness\": " << json_string(scheduler_option("staleness").write(trainer.config().scheduler))
      << ", \"graph_threads\": " << g.graph_threads
      << ", \"dnnl_threads\": " << g.dnnl_threads << ",\n    \"layers\": [";
  for (int l = 0; l < graph.layer_count(); ++l) {
    const LayerMetrics& m = graph.layer_metrics(l);
    out << (l ? "," : "") << "\n      {\"name\": " << json_string(graph.layer(l).name())
        << ", \"updates\": " << m.latency_stages.size()
        << ",\n       \"locking_latency_seconds\": " << distribution_json(distribution_of(m.latency_seconds))
        << ",\n       \"locking_latency_stages\": " << distribution_json(distribution_of(m.latency_stages))
        << ",\n       \"staleness\": " << distribution_json(distribution_of(m.staleness))
        << ",\n       \"peak_soma_bytes\": " << m.peak_soma_bytes << ", \"peak_dendrite_bytes\": " << m.peak_dendrite_bytes
        << ", \"peak_stash_bytes\": " << m.peak_stash_bytes;
    if (m.weight_checks > 0)
      out << ",\n       \"weight_check\": {\"learning_passes\": " << m.weight_checks
          << ", \"on_other_weights\": " << m.weight_mismatches
          << ", \"largest_relative_difference\": " << m.largest_weight_difference << "}";
    out << "}";
  }
  out << "\n    ],\n    \"nodes\": [";
  const double seconds = std::max(trainer.training_seconds(), 1e-12);
  const auto& loads = trainer.training_loads();
  for (std::size_t i = 0; i < loads.size(); ++i)
    out << (i ? "," : "") << "\n      {\"name\": " << json_string(loads[i].name) << ", \"visits\": " << loads[i].visits
        << ", \"busy_fraction\": " << loads[i].busy_seconds / seconds << ", \"idle_fraction\": "
        << std::max(0.0, 1.0 - loads[i].busy_seconds / seconds) << "}";
  out << "\n    ]\n  }";
  return out.str();
}

}  // namespace

std::string scheduler_metrics_text(Trainer& trainer) {
  TrainingGraph& graph = trainer.graph();
  std::ostringstream out;
  out << std::fixed;
  for (int l = 0; l < graph.layer_count(); ++l) {
    const LayerMetrics& m = graph.layer_metrics(l);
    const Distribution seconds = distribution_of(m.latency_seconds), stages = distribution_of(m.latency_stages),
                       staleness = distribution_of(m.staleness);
    out << graph.layer(l).name() << ": locking latency p50 " << std::setprecision(3) << seconds.p50 * 1e3 << " ms, p99 "
        << seconds.p99 * 1e3 << " ms, " << std::setprecision(1) << stages.mean << " stages; staleness mean "
        << std::setprecision(2) << staleness.mean << ", max " << std::setprecision(0) << staleness.max << "; peak soma "
        << m.peak_soma_bytes / 1024 << " KiB, stash " << m.peak_stash_bytes / 1024 << " KiB\n";
    if (m.weight_checks > 0)
      out << graph.layer(l).name() << ": W checked on " << m.weight_checks << " learning passes, " << m.weight_mismatches
          << " computed with other weights than their standard pass's (largest difference " << std::scientific
          << std::setprecision(1) << m.largest_weight_difference << std::fixed << " of max |W|)\n";
  }
  out << "busy:";
  const double total = std::max(trainer.training_seconds(), 1e-12);
  for (const NodeLoad& load : trainer.training_loads())
    out << ' ' << load.name << ' ' << std::setprecision(0) << 100 * load.busy_seconds / total << '%';
  out << '\n';
  return out.str();
}

std::string run_identity_json_members(const TrainConfig& config, std::size_t epochs) {
  std::ostringstream out;
  out << "  \"version\": " << json_string(PEPITA_VERSION) << ",\n"
      << "  \"rule\": " << json_string(config.rule.name()) << ",\n"
      << "  \"model\": " << json_string(config.model) << ",\n"
      << "  \"dataset\": " << json_string(config.dataset) << ",\n"
      << "  \"hidden\": " << json_array(config.hidden) << ",\n"
      << "  \"epochs\": " << epochs << ",\n"
      << "  \"batch_size\": " << config.batch_size << ",\n";
  return out.str();
}

std::string summary_json(const TrainConfig& config, Trainer& trainer, const RunFacts& facts) {
  const std::vector<EpochRecord>& history = trainer.history();
  double best = 0;
  for (const EpochRecord& r : history) best = std::max(best, r.test_accuracy);
  const double median_seconds = median_epoch_seconds(history);
  std::int64_t samples_per_epoch = 0;
  if (!history.empty()) samples_per_epoch = std::int64_t(history.back().samples_per_second * history.back().train_seconds + 0.5);
  std::vector<double> accuracy;
  for (const EpochRecord& r : history) accuracy.push_back(r.test_accuracy);

  std::ostringstream out;
  out << std::setprecision(6);
  out << "{\n"
      << run_identity_json_members(config, history.size())
      << "  \"learning_rate\": " << config.learning_rate << ",\n"
      << "  \"decay_epochs\": " << json_array(config.decay_epochs) << ",\n"
      << "  \"dropout\": " << config.dropout << ",\n"
      << "  \"whiten\": " << json_string(config.whiten == InputWhitening::zca ? "zca" : "none") << ",\n"
      << "  \"f_scale\": " << config.pepita.f_scale << ",\n"
      << "  \"output_error\": " << json_string(to_string(config.pepita.output_error)) << ",\n"
      << "  \"f_init\": " << json_string(config.pepita.f_init == FeedbackInit::factored ? "factored" : "uniform") << ",\n"
      << "  \"precision\": " << json_string(precision_name(config.precision)) << ",\n"
      << "  \"w_init\": " << json_string(config.weight_init == WeightInit::he_normal ? "he-normal" : "he-uniform") << ",\n"
      << "  \"weight_decay\": " << config.weight_decay << ",\n"
      << "  \"normalize_activity\": " << (config.pepita.normalize_activity ? "true" : "false") << ",\n"
      << "  \"normalize_over\": "
      << json_string(config.pepita.normalisation_scope == NormalisationScope::sample ? "sample" : "batch") << ",\n"
      << "  \"scheduler\": " << json_string(config.scheduler.name) << ",\n"
      << "  \"scheduler_metrics\": " << scheduler_metrics_json(trainer) << ",\n"
      << "  \"seed\": " << config.seed << ",\n"
      << "  \"test_accuracy\": " << (history.empty() ? 0.0 : history.back().test_accuracy) << ",\n"
      << "  \"best_test_accuracy\": " << best << ",\n"
      << "  \"test_accuracy_per_epoch\": " << json_array(accuracy) << ",\n"
      << "  \"seconds_per_epoch\": " << median_seconds << ",\n"
      << "  \"samples_per_second\": " << (median_seconds > 0 ? double(samples_per_epoch) / median_seconds : 0.0) << ",\n"
      << "  \"total_seconds\": " << facts.total_seconds << ",\n"
      << (trainer.simulation() ? simulation_json_members(*trainer.simulation(), "  ") + ",\n" : std::string())
      << "  \"machine\": " << json_string(facts.machine) << "\n"
      << "}\n";
  return out.str();
}

std::string describe_machine() {
  std::string model = "unknown CPU";
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  return std::to_string(std::thread::hardware_concurrency()) + " cores, " + model;
}

}  // namespace pepita
