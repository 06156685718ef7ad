#pragma once
// The training graph's view of the processes that run the rest of it (distributed/mpi_link.hpp
// implements it on MPI). Every process builds the same graph and runs the nodes its rank owns; an
// edge whose two ends are on different ranks becomes a sender on one rank and a receiver on the
// other, and what crosses is the bytes of graph/wire_format.hpp.
//
// A run of the graph (TrainingGraph::run) is bracketed by start_run and end_run on every rank.
// Between runs the ranks exchange state with blocking calls, which every rank makes in the same
// order, because every rank runs the same trainer.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace pepita {

// Another rank failed, or stopped the run: a one-line message naming the rank.
struct RemoteFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class RemoteLink {
 public:
  virtual ~RemoteLink() = default;
  virtual int rank() const = 0;
  virtual int ranks() const = 0;
  static constexpr int root = 0;  // hosts the input, the tickets and the completion node
  bool is_root() const { return rank() == root; }

  // Starts run `run` on this rank. The link's thread calls `deliver` with every message or event
  // that arrives for this rank's graph, and `over` once, when the run has ended here (the root's
  // finish_everywhere, a stop from the root, or a failure anywhere). It polls `failed`, which says
  // whether this rank's graph has failed: oneTBB's wait_for_all waits for `over` even then.
  virtual void start_run(std::uint32_t run, std::function<void(std::vector<std::byte>)> deliver, std::function<void()> over,
                         std::function<bool()> failed) = 0;
  // From node threads: queue bytes for `rank`.
  virtual void send(int rank, std::vector<std::byte> bytes) = 0;
  // The root's completion node: every admitted batch is complete; tell every rank, with how many
  // were trained.
  virtual void finish_everywhere(std::uint64_t trained) = 0;
  // This rank's graph failed with `what`: tell every rank, which then ends its run.
  virtual void fail_everywhere(const std::string& what) = 0;
  // After the graph is idle: sends what is queued and ends the run. Returns the batches trained, as
  // the root counted them; throws RemoteFailure if another rank failed, or if a message sent in the
  // run was never received.
  virtual std::uint64_t end_run() = 0;

  // Between runs. `bytes` from rank `owner` to the root: the root gets them, every other rank an
  // empty vector. Every rank calls it, in the same order.
  virtual std::vector<std::byte> to_root(int owner, std::vector<std::byte> bytes) = 0;
  // The root's value, on every rank.
  virtual std::uint64_t from_root(std::uint64_t value) = 0;
  // The root's bytes, on every rank (what the others pass is ignored).
  virtual std::vector<std::byte> bytes_from_root(std::vector<std::byte> bytes) = 0;
  // Wall time this rank's link spent inside the transport's calls, over every run.
  virtual double transport_seconds() const = 0;
};

}  // namespace pepita
