#include "out_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "cli.hpp"

namespace pepita::cli::reproduce {

OutDirLock::OutDirLock(const std::filesystem::path& out_dir) {
  const std::filesystem::path file = out_dir / ".lock";
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error(file.string() + ": cannot open: " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    throw UsageError("another pepita reproduce is writing into '" + out_dir.string() + "'; wait for it or choose another --out");
  }
}

OutDirLock::~OutDirLock() { ::close(fd_); }

}  // namespace pepita::cli::reproduce
