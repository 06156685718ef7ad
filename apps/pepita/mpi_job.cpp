#include "mpi_job.hpp"

#ifdef PEPITA_MPI
#include "distributed/mpi_session.hpp"
#endif

namespace pepita::cli {

namespace {
const MpiJob* job = nullptr;
}  // namespace

const MpiJob* current_job() { return job; }
void set_current_job(const MpiJob* current) { job = current; }

#ifdef PEPITA_MPI
MpiJob::MpiJob() : session_(std::make_unique<MpiSession>()) {
  if (!session_->active()) return;
  rank_ = session_->rank();
  ranks_ = session_->ranks();
  ranks_here_ = session_->ranks_on_this_machine();
  if (ranks_ > 1) link_ = session_->make_link();
}
#else
}  // namespace pepita::cli

namespace pepita {
class MpiSession {};  // built without MPI: never made, but the job's member must be destroyable
}  // namespace pepita

namespace pepita::cli {

MpiJob::MpiJob() = default;
#endif

MpiJob::~MpiJob() {
  link_.reset();
  session_.reset();
}

}  // namespace pepita::cli
