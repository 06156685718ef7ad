#pragma once
// MPI for the life of the program, when mpirun started it. A program started without mpirun runs
// alone and never touches MPI, so the single-process pepita needs no launcher.
#include <functional>
#include <memory>

namespace pepita {

class RemoteLink;
class PeerWatch;
struct VanishedRank;

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
  // A watch over the other ranks on this machine (distributed/peer_watch.hpp) that calls
  // `on_vanished` if one's process ends without a word. Collective: every rank makes one. Null when
  // MPI is not active.
  std::unique_ptr<PeerWatch> watch_peers(std::function<void(const VanishedRank&)> on_vanished) const;

 private:
  bool active_ = false;
  int rank_ = 0;
  int ranks_ = 1;
  int local_ranks_ = 1;
};

}  // namespace pepita
