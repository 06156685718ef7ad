#include "distributed/mpi_session.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

#include <mpi.h>

#include "distributed/mpi_link.hpp"
#include "distributed/peer_watch.hpp"

namespace pepita {

bool MpiSession::launched_by_mpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr;
}

MpiSession::MpiSession() {
  if (!launched_by_mpirun()) return;
  int provided = MPI_THREAD_SINGLE;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS)
    throw std::runtime_error("MPI did not start");
  active_ = true;
  if (provided < MPI_THREAD_SERIALIZED) throw std::runtime_error("this MPI library cannot let two threads take turns (MPI_THREAD_SERIALIZED)");
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks_);
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local);
  MPI_Comm_size(local, &local_ranks_);
  MPI_Comm_free(&local);
}

MpiSession::~MpiSession() {
  if (active_) MPI_Finalize();
}

std::unique_ptr<RemoteLink> MpiSession::make_link() const {
  if (!active_) return nullptr;
  return std::make_unique<MpiLink>(MPI_COMM_WORLD);
}

std::unique_ptr<PeerWatch> MpiSession::watch_peers(std::function<void(const VanishedRank&)> on_vanished) const {
  if (!active_) return nullptr;
  return std::make_unique<PeerWatch>(MPI_COMM_WORLD, std::move(on_vanished));
}

}  // namespace pepita
