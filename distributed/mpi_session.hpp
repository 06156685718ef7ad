#pragma once
// MPI for the life of the program, when mpirun started it. A program started without mpirun runs
// alone and never touches MPI, so the single-process pepita needs no launcher.
#include <memory>

namespace pepita {

class RemoteLink;

class MpiSession {
 public:
  // Initialises MPI (with MPI_THREAD_SERIALIZED: the link's thread and the main thread take turns)
  // if mpirun's environment is present; otherwise does nothing. Throws std::runtime_error when MPI
  // cannot start.
  MpiSession();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  // Whether mpirun started this process (Open MPI's or PMIx's variables are set).
  static bool launched_by_mpirun();
  bool active() const { return active_; }
  int rank() const { return rank_; }
  int ranks() const { return ranks_; }
  // Ranks of this job on this machine: they share its cores.
  int ranks_on_this_machine() const { return local_ranks_; }
  // The link between this job's ranks; null when MPI is not active.
  std::unique_ptr<RemoteLink> make_link() const;

 private:
  bool active_ = false;
  int rank_ = 0;
  int ranks_ = 1;
  int local_ranks_ = 1;
};

}  // namespace pepita
