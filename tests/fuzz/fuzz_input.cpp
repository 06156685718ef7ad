#include "tests/fuzz/fuzz_input.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace pepita::fuzz {

namespace fs = std::filesystem;

namespace {

// Not a finding: without the input file there is nothing to fuzz, so stop loudly.
[[noreturn]] void stop(const char* what) {
  std::perror(what);
  std::exit(2);
}

// An anonymous file in memory, reached by path through /proc: no disk writes (a file on disk
// rewritten for every input held fuzzing to a few hundred inputs a second) and nothing left
// behind however the process ends.
class MemoryFile {
 public:
  MemoryFile() : fd_(::memfd_create("pepita-fuzz-input", MFD_CLOEXEC)) {
    if (fd_ < 0) stop("fuzz: memfd_create");
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemoryFile() { ::close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  void replace_content(std::span<const std::uint8_t> bytes) {
    if (::ftruncate(fd_, 0) != 0 ||
        ::pwrite(fd_, bytes.data(), bytes.size(), 0) != ssize_t(bytes.size())) {
      stop("fuzz: writing the input file");
    }
  }
  const fs::path& path() const { return path_; }

 private:
  int fd_;
  fs::path path_;
};

}  // namespace

const fs::path& input_file(std::span<const std::uint8_t> input) {
  static MemoryFile file;
  file.replace_content(input);
  return file.path();
}

void require(bool holds, const char* invariant) {
  if (holds) return;
  std::fprintf(stderr, "fuzz: invariant broken: %s\n", invariant);
  std::abort();
}

}  // namespace pepita::fuzz
