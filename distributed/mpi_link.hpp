#pragma once
// RemoteLink on MPI point-to-point messages. During a run one thread of the link's owns every MPI
// call: it hands the node threads' queued bytes to MPI_Isend, polls for arrivals with MPI_Iprobe
// and passes them to the graph, and watches for the run's end (a stop from the root, or an abort
// from any rank). Between runs the main thread makes the blocking calls. MPI is initialised with
// MPI_THREAD_SERIALIZED: the two never call at the same time.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <mpi.h>

#include "graph/remote_link.hpp"
#include "graph/wire_format.hpp"

namespace pepita {

class MpiLink final : public RemoteLink {
 public:
  explicit MpiLink(MPI_Comm world);
  ~MpiLink() override;
  MpiLink(const MpiLink&) = delete;
  MpiLink& operator=(const MpiLink&) = delete;

  int rank() const override { return rank_; }
  int ranks() const override { return ranks_; }

  void start_run(std::uint32_t run, std::function<void(std::vector<std::byte>)> deliver, std::function<void()> over,
                 std::function<bool()> failed) override;
  void send(int rank, std::vector<std::byte> bytes) override;
  void finish_everywhere(std::uint64_t trained) override;
  void fail_everywhere(const std::string& what) override;
  std::uint64_t end_run() override;

  std::vector<std::byte> to_root(int owner, std::vector<std::byte> bytes) override;
  std::uint64_t from_root(std::uint64_t value) override;
  std::vector<std::byte> bytes_from_root(std::vector<std::byte> bytes) override;

  double transport_seconds() const override { return seconds_in_mpi_; }

 private:
  struct Outgoing {
    int rank;
    std::vector<std::byte> bytes;
    bool data;  // a message or event (counted), not a stop or abort
  };
  struct InFlight {
    std::vector<std::byte> bytes;
    MPI_Request request;
  };
  void loop();
  // One pass of the loop: whether anything moved.
  bool post_sends();
  bool complete_sends();
  bool receive_one();
  void handle(std::vector<std::byte> bytes, int source);
  void end_here();  // calls `over` once
  // A stop or abort to every other rank.
  void queue_everywhere(WireKind kind, std::uint64_t value, const std::string& text);

  MPI_Comm traffic_ = MPI_COMM_NULL;  // messages during runs
  MPI_Comm control_ = MPI_COMM_NULL;  // the calls between runs
  int rank_ = 0;
  int ranks_ = 1;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Outgoing> queued_;  // from node threads, under mutex_
  bool main_done_ = false;       // under mutex_: the graph is idle, the run may close

  // The run's state, the link thread's own (read by end_run after the join).
  std::thread thread_;
  std::uint32_t run_ = 0;
  std::function<void(std::vector<std::byte>)> deliver_;
  std::function<void()> over_;
  std::function<bool()> failed_;
  bool ended_here_ = false;
  std::vector<InFlight> in_flight_;
  std::int64_t sent_ = 0;       // data messages this run
  std::int64_t received_ = 0;
  std::uint64_t trained_ = 0;
  std::optional<std::string> remote_failure_;  // another rank's
  std::optional<std::string> local_failure_;   // this rank's (a message it could not place)
  std::atomic<bool> failed_here_{false};       // this rank's graph failed (fail_everywhere): set by the main thread
  double seconds_in_mpi_ = 0;
};

}  // namespace pepita
