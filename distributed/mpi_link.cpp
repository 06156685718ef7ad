#include "distributed/mpi_link.hpp"

#include <chrono>
#include <limits>
#include <utility>
#include <stdexcept>

namespace pepita {

namespace {

constexpr int traffic_tag = 1;
constexpr int control_tag = 2;
// An idle link polls for arrivals every 20 µs for a short while (a burst of messages is likely
// to go on), then every 500 µs. It never spins: on a rank bound to its cores the link's thread
// shares them with the layers, and spinning cost 2-rank pipelined runs a third of their speed
// (docs/distributed.md). Sends wake it at once.
constexpr int quick_polls = 10;
constexpr auto quick_poll = std::chrono::microseconds(20);
constexpr auto slow_poll = std::chrono::microseconds(500);

// MPI returns its errors (MPI_ERRORS_RETURN on our communicators): one line with MPI's own words.
void check(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw RemoteFailure(std::string(call) + " failed: " + std::string(text, std::size_t(length)));
}

int byte_count(std::size_t bytes) {
  if (bytes > std::size_t(std::numeric_limits<int>::max()))
    throw RemoteFailure("a message of " + std::to_string(bytes) + " bytes is larger than one MPI message can be");
  return int(bytes);
}

// Times the MPI calls of the link's thread.
class MpiTimer {
 public:
  explicit MpiTimer(double& total) : total_(total), start_(std::chrono::steady_clock::now()) {}
  ~MpiTimer() { total_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  double& total_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

MpiLink::MpiLink(MPI_Comm world) {
  check(MPI_Comm_dup(world, &traffic_), "MPI_Comm_dup");
  check(MPI_Comm_dup(world, &control_), "MPI_Comm_dup");
  MPI_Comm_set_errhandler(traffic_, MPI_ERRORS_RETURN);
  MPI_Comm_set_errhandler(control_, MPI_ERRORS_RETURN);
  MPI_Comm_rank(traffic_, &rank_);
  MPI_Comm_size(traffic_, &ranks_);
}

MpiLink::~MpiLink() {
  if (thread_.joinable()) {  // an exception left a run open: close it before the communicators go
    {
      std::lock_guard lock(mutex_);
      main_done_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  MPI_Comm_free(&traffic_);
  MPI_Comm_free(&control_);
}

void MpiLink::start_run(std::uint32_t run, std::function<void(std::vector<std::byte>)> deliver, std::function<void()> over,
                        std::function<bool()> failed) {
  if (thread_.joinable()) throw std::logic_error("a run of the link is already open");
  run_ = run;
  deliver_ = std::move(deliver);
  over_ = std::move(over);
  failed_ = std::move(failed);
  ended_here_ = false;
  in_flight_.clear();
  sent_ = received_ = 0;
  trained_ = 0;
  remote_failure_.reset();
  local_failure_.reset();
  {
    std::lock_guard lock(mutex_);
    queued_.clear();
    main_done_ = false;
  }
  thread_ = std::thread([this] { loop(); });
}

void MpiLink::send(int rank, std::vector<std::byte> bytes) {
  {
    std::lock_guard lock(mutex_);
    queued_.push_back({rank, std::move(bytes), true});
  }
  wake_.notify_one();
}

void MpiLink::queue_everywhere(WireKind kind, std::uint64_t value, const std::string& text) {
  {
    std::lock_guard lock(mutex_);
    for (int r = 0; r < ranks_; ++r)
      if (r != rank_) queued_.push_back({r, encode_control(kind, run_, std::uint16_t(rank_), value, text), false});
  }
  wake_.notify_one();
}

void MpiLink::finish_everywhere(std::uint64_t trained) {
  trained_ = trained;  // read by end_run after the join
  queue_everywhere(WireKind::stop, trained, {});
  // `over` is called on the link's thread, when it has taken the stops: see loop().
  std::lock_guard lock(mutex_);
  queued_.push_back({rank_, {}, false});  // an empty entry for this rank: end here
}

void MpiLink::fail_everywhere(const std::string& what) {
  failed_here_ = true;  // end_run then skips the count, which the other ranks do not take part in
  queue_everywhere(WireKind::abort, 0, "rank " + std::to_string(rank_) + ": " + what);
  std::lock_guard lock(mutex_);
  queued_.push_back({rank_, {}, false});
}

std::uint64_t MpiLink::end_run() {
  {
    std::lock_guard lock(mutex_);
    main_done_ = true;
  }
  wake_.notify_all();
  thread_.join();
  deliver_ = {};
  over_ = {};
  failed_ = {};
  if (remote_failure_) throw RemoteFailure(*remote_failure_);
  if (local_failure_) throw RemoteFailure("rank " + std::to_string(rank_) + ": " + *local_failure_);
  if (failed_here_.exchange(false)) return 0;
  // Every message a run sends is received in it; anything else would be lost work.
  std::int64_t unreceived = sent_ - received_, everywhere = 0;
  check(MPI_Allreduce(&unreceived, &everywhere, 1, MPI_INT64_T, MPI_SUM, control_), "MPI_Allreduce");
  if (everywhere != 0)
    throw RemoteFailure("run " + std::to_string(run_) + " ended with " + std::to_string(everywhere) + " messages between ranks sent but never received");
  return trained_;
}

void MpiLink::loop() {
  try {
    int idle = 0;
    std::optional<std::chrono::steady_clock::time_point> failed_at;
    while (true) {
      bool moved = post_sends();
      moved |= complete_sends();
      moved |= receive_one();
      // A node of this rank threw: let wait_for_all return it; the main thread then sends the
      // error to every rank (fail_everywhere) before the run closes.
      if (!ended_here_ && failed_()) end_here();
      if (!failed_at && (remote_failure_ || local_failure_ || failed_here_)) failed_at = std::chrono::steady_clock::now();
      {
        std::unique_lock lock(mutex_);
        if (main_done_ && queued_.empty()) {
          if (in_flight_.empty()) return;
          // After a failure a peer may have gone before taking what was sent to it: give the
          // aborts a moment to leave, then drop the rest rather than wait for ever.
          if (failed_at && std::chrono::steady_clock::now() - *failed_at > std::chrono::seconds(1)) {
            for (InFlight& sending : in_flight_) {
              MPI_Cancel(&sending.request);
              MPI_Request_free(&sending.request);
            }
            in_flight_.clear();
            return;
          }
        }
        if (moved) {
          idle = 0;
          continue;
        }
        // Nothing moved: sleep until a send wakes the link or the next poll is due.
        if (queued_.empty()) wake_.wait_for(lock, ++idle <= quick_polls ? quick_poll : slow_poll);
      }
    }
  } catch (const std::exception& error) {
    // MPI itself failed: nothing more can be sent. End here; end_run reports it.
    local_failure_ = error.what();
    end_here();
  }
}

bool MpiLink::post_sends() {
  std::deque<Outgoing> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(queued_);
  }
  for (Outgoing& out : batch) {
    if (out.rank == rank_) {  // this rank's own end: the stops and aborts before it are posted
      end_here();
      continue;
    }
    InFlight& sending = in_flight_.emplace_back(InFlight{std::move(out.bytes), MPI_REQUEST_NULL});
    {
      MpiTimer timer(seconds_in_mpi_);
      check(MPI_Isend(sending.bytes.data(), byte_count(sending.bytes.size()), MPI_BYTE, out.rank, traffic_tag, traffic_, &sending.request),
            "MPI_Isend");
    }
    if (out.data) ++sent_;
  }
  return !batch.empty();
}

bool MpiLink::complete_sends() {
  bool moved = false;
  for (std::size_t i = 0; i < in_flight_.size();) {
    int done = 0;
    {
      MpiTimer timer(seconds_in_mpi_);
      check(MPI_Test(&in_flight_[i].request, &done, MPI_STATUS_IGNORE), "MPI_Test");
    }
    if (done) {
      in_flight_[i] = std::move(in_flight_.back());
      in_flight_.pop_back();
      moved = true;
    } else {
      ++i;
    }
  }
  return moved;
}

bool MpiLink::receive_one() {
  MPI_Status status;
  int waiting = 0;
  std::vector<std::byte> bytes;
  {
    MpiTimer timer(seconds_in_mpi_);
    check(MPI_Iprobe(MPI_ANY_SOURCE, traffic_tag, traffic_, &waiting, &status), "MPI_Iprobe");
    if (!waiting) return false;
    int count = 0;
    MPI_Get_count(&status, MPI_BYTE, &count);
    bytes.resize(std::size_t(count));
    check(MPI_Recv(bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, traffic_tag, traffic_, MPI_STATUS_IGNORE), "MPI_Recv");
  }
  handle(std::move(bytes), status.MPI_SOURCE);
  return true;
}

void MpiLink::handle(std::vector<std::byte> bytes, int source) {
  try {
    const WireMessage wire = decode_wire(bytes);
    const WireHeader& h = wire.header;
    if (h.sender != source)
      throw WireError("a message from rank " + std::to_string(source) + " says it is from rank " + std::to_string(h.sender));
    switch (h.kind) {
      case WireKind::stop:
        trained_ = h.batch;
        end_here();
        return;
      case WireKind::abort:
        if (!remote_failure_) remote_failure_ = wire.text();
        end_here();
        return;
      case WireKind::message:
      case WireKind::event:
        ++received_;
        if (ended_here_) throw WireError(std::string("a ") + to_string(h.pass) + " message from rank " + std::to_string(source) + " arrived after the run ended");
        deliver_(std::move(bytes));
        return;
    }
  } catch (const WireError& error) {
    // A message this rank cannot place: every rank stops, with this as the reason.
    if (!local_failure_) local_failure_ = error.what();
    queue_everywhere(WireKind::abort, 0, "rank " + std::to_string(rank_) + ": " + error.what());
    end_here();
  }
}

void MpiLink::end_here() {
  if (ended_here_) return;
  ended_here_ = true;
  if (over_) over_();
}

std::vector<std::byte> MpiLink::to_root(int owner, std::vector<std::byte> bytes) {
  if (owner == root) return rank_ == root ? std::move(bytes) : std::vector<std::byte>{};
  if (rank_ == owner) {
    check(MPI_Send(bytes.data(), byte_count(bytes.size()), MPI_BYTE, root, control_tag, control_), "MPI_Send");
    return {};
  }
  if (rank_ != root) return {};
  MPI_Status status;
  check(MPI_Probe(owner, control_tag, control_, &status), "MPI_Probe");
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  std::vector<std::byte> received(static_cast<std::size_t>(count));
  check(MPI_Recv(received.data(), count, MPI_BYTE, owner, control_tag, control_, MPI_STATUS_IGNORE), "MPI_Recv");
  return received;
}

std::uint64_t MpiLink::from_root(std::uint64_t value) {
  check(MPI_Bcast(&value, 1, MPI_UINT64_T, root, control_), "MPI_Bcast");
  return value;
}

std::vector<std::byte> MpiLink::bytes_from_root(std::vector<std::byte> bytes) {
  bytes.resize(from_root(bytes.size()));
  check(MPI_Bcast(bytes.data(), byte_count(bytes.size()), MPI_BYTE, root, control_), "MPI_Bcast");
  return bytes;
}

}  // namespace pepita
