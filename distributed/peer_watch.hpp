#pragma once
// Notices a rank of this job on this machine whose process vanishes without a word: SIGKILL, the
// kernel's OOM killer, a crash past every handler. MPI says nothing then. The survivors would wait
// on the dead rank until mpirun kills them too, and the only report would be mpirun's banner (none
// under `mpirun -q`). So each rank watches the processes of the others on its machine.
//
// Ranks on other machines cannot be watched from here; there mpirun's own report names the rank
// ("mpirun noticed that process rank N … exited on signal 9").
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <thread>
#include <vector>

#include <mpi.h>

namespace pepita {

struct VanishedRank {
  int rank = -1;  // in the job; -1 when another rank here found it and is reporting it
  pid_t pid = 0;
  std::string host;
  // Whether this rank is the one that reports it: one per machine, so that the job prints one line.
  bool report = false;
};

class PeerWatch {
 public:
  // Collective over `world`: the ranks on each machine share their process ids and a window of
  // shared memory (MPI_Win_allocate_shared). Then a thread of this rank's looks every `period`
  // whether each other rank on its machine is still alive, and calls `on_vanished` once, for the
  // first it finds gone. The call comes from that thread; the run cannot go on without the rank,
  // so it must end the process, and call ending_on_purpose() first.
  PeerWatch(MPI_Comm world, std::function<void(const VanishedRank&)> on_vanished,
            std::chrono::milliseconds period = std::chrono::milliseconds(100));
  // Stops the thread, then frees the window (collective). Before MPI_Finalize: at the end of a job
  // the ranks leave at slightly different moments, and a rank gone after finishing is no failure.
  ~PeerWatch();
  PeerWatch(const PeerWatch&) = delete;
  PeerWatch& operator=(const PeerWatch&) = delete;

  // The ranks on this machine whose processes are watched.
  int watched() const { return int(neighbours_.size()); }

 private:
  struct Neighbour {
    int rank;        // in the job
    int local_rank;  // on this machine: its cell in the window
    pid_t pid;
  };
  void watch();
  // The window's cells: one per rank on this machine, set when that rank ends because another
  // vanished (so that the others do not take it for a second vanishing), and a last one taken by
  // the rank that reports.
  int& ended_cell(int local_rank) const { return cells_[local_rank]; }
  int& reported_cell() const { return cells_[local_ranks_]; }

  std::vector<Neighbour> neighbours_;  // the other ranks on this machine, in rank order
  int local_rank_ = 0;
  int local_ranks_ = 1;
  std::string host_;
  MPI_Comm local_ = MPI_COMM_NULL;
  MPI_Win window_ = MPI_WIN_NULL;
  int* cells_ = nullptr;
  std::function<void(const VanishedRank&)> on_vanished_;
  std::chrono::milliseconds period_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: it starts once everything above is set
};

// Whether process `pid` still runs: false once it has exited, even if its parent has not reaped it.
bool process_alive(pid_t pid);

}  // namespace pepita
