#include "distributed/peer_watch.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <fstream>
#include <unistd.h>

namespace pepita {

namespace {

std::string this_host() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "?";
  return name;
}

// The cells are shared between processes: every access to them is atomic.
int load(int& cell) { return std::atomic_ref<int>(cell).load(); }
void store(int& cell, int value) { std::atomic_ref<int>(cell).store(value); }
bool take(int& cell) {
  int free = 0;
  return std::atomic_ref<int>(cell).compare_exchange_strong(free, 1);
}

}  // namespace

bool process_alive(pid_t pid) {
  if (kill(pid, 0) != 0 && errno == ESRCH) return false;
  // A killed process stays a zombie until its parent (mpirun's daemon) reaps it: it has exited.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;  // no /proc: kill() is all there is to go by
  // "PID (COMMAND) STATE …": the command may hold spaces and parentheses, so read after the last ')'.
  const std::size_t close = line.rfind(')');
  if (close == std::string::npos || close + 2 >= line.size()) return true;
  const char state = line[close + 2];
  return state != 'Z' && state != 'X';
}

PeerWatch::PeerWatch(MPI_Comm world, std::function<void(const VanishedRank&)> on_vanished,
                     std::chrono::milliseconds period)
    : host_(this_host()), on_vanished_(std::move(on_vanished)), period_(period) {
  int rank = 0;
  MPI_Comm_rank(world, &rank);
  MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &local_);
  MPI_Comm_rank(local_, &local_rank_);
  MPI_Comm_size(local_, &local_ranks_);
  const long mine[2] = {rank, long(getpid())};
  std::vector<long> everyone(2 * std::size_t(local_ranks_));
  MPI_Allgather(mine, 2, MPI_LONG, everyone.data(), 2, MPI_LONG, local_);
  for (int r = 0; r < local_ranks_; ++r)
    if (r != local_rank_) neighbours_.push_back({int(everyone[2 * r]), r, pid_t(everyone[2 * r + 1])});

  // The first rank on this machine holds the cells; the others map them.
  const MPI_Aint bytes = local_rank_ == 0 ? MPI_Aint(sizeof(int)) * (local_ranks_ + 1) : 0;
  int* mine_to_fill = nullptr;
  MPI_Win_allocate_shared(bytes, sizeof(int), MPI_INFO_NULL, local_, &mine_to_fill, &window_);
  MPI_Aint size = 0;
  int unit = 0;
  MPI_Win_shared_query(window_, 0, &size, &unit, &cells_);
  if (local_rank_ == 0) std::fill(cells_, cells_ + local_ranks_ + 1, 0);
  MPI_Barrier(local_);  // the cells are zero before any rank watches
  if (!neighbours_.empty()) thread_ = std::thread([this] { watch(); });
}

PeerWatch::~PeerWatch() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  MPI_Win_free(&window_);
  MPI_Comm_free(&local_);
}

void PeerWatch::watch() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, period_, [this] { return stopping_; })) {
    const auto marked = [this](const Neighbour& neighbour) { return load(ended_cell(neighbour.local_rank)) != 0; };
    // Another rank here found one gone and is ending: end too, and leave the naming to it.
    const bool another_ending = std::any_of(neighbours_.begin(), neighbours_.end(), marked);
    // Gone without marking its cell first: vanished.
    const auto gone = another_ending ? neighbours_.end()
                                     : std::find_if(neighbours_.begin(), neighbours_.end(), [&](const Neighbour& neighbour) {
                                         return !process_alive(neighbour.pid) && !marked(neighbour);
                                       });
    if (!another_ending && gone == neighbours_.end()) continue;
    // Marked before this rank ends, so that no rank takes its end for a second vanishing.
    store(ended_cell(local_rank_), 1);
    VanishedRank found{.host = host_};
    // Two ranks may find it at once: the one that takes the reported cell names it.
    if (gone != neighbours_.end()) found = {gone->rank, gone->pid, host_, take(reported_cell())};
    lock.unlock();
    on_vanished_(found);
    return;
  }
}

}  // namespace pepita
