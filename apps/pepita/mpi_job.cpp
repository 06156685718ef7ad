#include "mpi_job.hpp"

#include <cstdio>
#include <cstdlib>

#include "cli.hpp"

#ifdef PEPITA_MPI
#include "distributed/mpi_session.hpp"
#include "distributed/peer_watch.hpp"
#endif

namespace pepita::cli {

namespace {
const MpiJob* job = nullptr;

#ifdef PEPITA_MPI
// A rank whose process ended without a word: the run cannot go on without it, and the others would
// wait on it until mpirun ended them, with no word of ours. One rank names it in one line, and
// every rank here ends at once: not through MPI_Finalize, which would
// wait on the dead rank too. The checkpoint on disk is the last whole one, since a save replaces
// it atomically.
[[noreturn]] void end_for_vanished_rank(const VanishedRank& gone) {
  if (gone.report)
    std::fprintf(stderr,
                 "pepita: rank %d (process %ld on %s) ended without reporting an error (killed?); the run stops on every "
                 "rank, and the last checkpoint is left as it was\n",
                 gone.rank, long(gone.pid), gone.host.c_str());
  std::fflush(stderr);
  std::_Exit(exit_failure);
}
#endif
}  // namespace

const MpiJob* current_job() { return job; }
void set_current_job(const MpiJob* current) { job = current; }

#ifdef PEPITA_MPI
MpiJob::MpiJob() : session_(std::make_unique<MpiSession>()) {
  if (!session_->active()) return;
  rank_ = session_->rank();
  ranks_ = session_->ranks();
  ranks_here_ = session_->ranks_on_this_machine();
  if (ranks_ <= 1) return;
  link_ = session_->make_link();
  peer_watch_ = session_->watch_peers(end_for_vanished_rank);
}
#else
}  // namespace pepita::cli

namespace pepita {
// Built without MPI: never made, but the job's members must be destroyable.
class MpiSession {};
class PeerWatch {};
}  // namespace pepita

namespace pepita::cli {

MpiJob::MpiJob() = default;
#endif

MpiJob::~MpiJob() {
  peer_watch_.reset();
  link_.reset();
  session_.reset();
}

}  // namespace pepita::cli
