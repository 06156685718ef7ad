#pragma once
// One `pepita reproduce` at a time per output directory: two would start the same pending runs
// into the same run directories. The lock is an flock on DIR/.lock, released when its holder
// goes, however it goes (the kernel drops it with the process).
#include <filesystem>

namespace pepita::cli::reproduce {

class OutDirLock {
 public:
  // Throws UsageError if another process holds the directory, std::runtime_error if the lock file
  // cannot be opened.
  explicit OutDirLock(const std::filesystem::path& out_dir);
  ~OutDirLock();
  OutDirLock(const OutDirLock&) = delete;
  OutDirLock& operator=(const OutDirLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace pepita::cli::reproduce
