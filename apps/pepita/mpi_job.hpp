#pragma once
// The MPI job this process is part of, when mpirun started it and pepita was built with MPI
// (PEPITA_MPI); otherwise a job of one rank, and nothing of MPI is touched. main() makes one
// before anything else runs and keeps it until the program ends.
#include <memory>

#include "graph/remote_link.hpp"

namespace pepita {
class MpiSession;
class PeerWatch;
}

namespace pepita::cli {

class MpiJob {
 public:
  MpiJob();
  ~MpiJob();
  MpiJob(const MpiJob&) = delete;
  MpiJob& operator=(const MpiJob&) = delete;

  int rank() const { return rank_; }
  int ranks() const { return ranks_; }
  // Ranks on this machine: they share its cores.
  int ranks_here() const { return ranks_here_; }
  bool spans_ranks() const { return ranks_ > 1; }
  bool is_root() const { return rank_ == RemoteLink::root; }
  // The link between the ranks; null in a job of one rank.
  RemoteLink* link() const { return link_.get(); }

 private:
  std::unique_ptr<MpiSession> session_;
  std::unique_ptr<RemoteLink> link_;  // before the session ends
  std::unique_ptr<PeerWatch> peer_watch_;  // stopped first: a rank gone after the end is no failure
  int rank_ = 0;
  int ranks_ = 1;
  int ranks_here_ = 1;
};

// The job main() made, or null (the tests and the Python module run in one process).
const MpiJob* current_job();
void set_current_job(const MpiJob* job);

}  // namespace pepita::cli
