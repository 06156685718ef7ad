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

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

template <class T>
std::string json_array(const std::vector<T>& values) {
  std::ostringstream out;
  out << '[';
  for (std::size_t i = 0; i < values.size(); ++i) out << (i ? ", " : "") << values[i];
  out << ']';
  return out.str();
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, const std::string& content) {
  const std::filesystem::path temporary = path.string() + ".tmp";
  {
    FileDescriptor fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.get() < 0) fail(temporary, "cannot create");
    std::size_t written = 0;
    while (written < content.size()) {
      const ssize_t n = ::write(fd.get(), content.data() + written, content.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int saved = errno;
        std::filesystem::remove(temporary);
        errno = saved;
        fail(temporary, "cannot write");
      }
      written += std::size_t(n);
    }
    if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0) fail(temporary, "cannot flush");
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) fail(path, "cannot replace");
}

std::string metrics_csv(const std::vector<EpochRecord>& history) {
  std::ostringstream out;
  out << "epoch,lr,train_loss,train_accuracy,test_loss,test_accuracy,train_seconds,samples_per_second\n";
  out << std::setprecision(8);
  for (const EpochRecord& r : history)
    out << r.epoch << ',' << r.learning_rate << ',' << r.train_loss << ',' << r.train_accuracy << ',' << r.test_loss
        << ',' << r.test_accuracy << ',' << r.train_seconds << ',' << r.samples_per_second << '\n';
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

std::string summary_json(const TrainConfig& config, const std::vector<EpochRecord>& history, const RunFacts& facts) {
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
      << "  \"version\": " << json_string(PEPITA_VERSION) << ",\n"
      << "  \"rule\": " << json_string(config.rule) << ",\n"
      << "  \"model\": " << json_string(config.model) << ",\n"
      << "  \"dataset\": " << json_string(config.dataset) << ",\n"
      << "  \"hidden\": " << json_array(config.hidden) << ",\n"
      << "  \"epochs\": " << history.size() << ",\n"
      << "  \"batch_size\": " << config.batch_size << ",\n"
      << "  \"learning_rate\": " << config.learning_rate << ",\n"
      << "  \"decay_epochs\": " << json_array(config.decay_epochs) << ",\n"
      << "  \"dropout\": " << config.dropout << ",\n"
      << "  \"f_scale\": " << config.pepita.f_scale << ",\n"
      << "  \"output_error\": " << json_string(to_string(config.pepita.output_error)) << ",\n"
      << "  \"presynaptic\": " << json_string(to_string(config.pepita.presynaptic)) << ",\n"
      << "  \"scheduler\": " << json_string(config.scheduler.name) << ",\n"
      << "  \"seed\": " << config.seed << ",\n"
      << "  \"test_accuracy\": " << (history.empty() ? 0.0 : history.back().test_accuracy) << ",\n"
      << "  \"best_test_accuracy\": " << best << ",\n"
      << "  \"test_accuracy_per_epoch\": " << json_array(accuracy) << ",\n"
      << "  \"seconds_per_epoch\": " << median_seconds << ",\n"
      << "  \"samples_per_second\": " << (median_seconds > 0 ? double(samples_per_epoch) / median_seconds : 0.0) << ",\n"
      << "  \"total_seconds\": " << facts.total_seconds << ",\n"
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
