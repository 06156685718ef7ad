#pragma once
// Per-node accounting: busy time (for the busy/idle fraction) and, when tracing, one slice per
// message for a Chrome trace. Each node is serial, so its clock needs no locking.
#include <sched.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "graph/message.hpp"
#include "graph/thread_handoff.hpp"

namespace pepita {

using Clock = std::chrono::steady_clock;

struct TraceSlice {
  double start_us = 0;
  double duration_us = 0;
  Pass pass = Pass::standard;
  std::uint64_t batch = 0;
  std::uint32_t hops = 0;  // the message's logical clock: node visits on its batch's path before this one
  // The CPU the visit ended on (sched_getcpu), −1 if unknown: which core held the node's W, so that
  // a trace shows how often a node's visits change cores (scripts/trace-cpu-moves.py).
  std::int32_t cpu = -1;
};

class NodeClock {
 public:
  explicit NodeClock(std::string name) : name_(std::move(name)) {}

  // Times one visit: RAII, so an exception still closes the slice.
  class Visit {
   public:
    Visit(NodeClock& clock, const Message& message)
        : serial_(&clock), clock_(clock), pass_(message.pass), batch_(message.batch ? message.batch->id : 0),
          hops_(message.hops), start_(Clock::now()) {}
    ~Visit() { clock_.record(start_, Clock::now(), pass_, batch_, hops_); }
    Visit(const Visit&) = delete;
    Visit& operator=(const Visit&) = delete;

   private:
    SerialVisit serial_;  // first in, last out: it spans the whole visit
    NodeClock& clock_;
    Pass pass_;
    std::uint64_t batch_;
    std::uint32_t hops_;
    Clock::time_point start_;
  };

  void enable_trace(Clock::time_point origin) {
    tracing_ = true;
    origin_ = origin;
  }
  const std::string& name() const { return name_; }
  double busy_seconds() const { return busy_seconds_; }
  std::int64_t visits() const { return visits_; }
  const std::vector<TraceSlice>& trace() const { return trace_; }
  void reset() {
    busy_seconds_ = 0;
    visits_ = 0;
  }
  // Slices another rank recorded for this node, which that rank runs, shifted to this clock's
  // origin (TrainingGraph::gather_to_root); and on that rank, its slices handed over once.
  void append_trace(const std::vector<TraceSlice>& slices, double shift_us) {
    for (TraceSlice slice : slices) {
      slice.start_us += shift_us;
      trace_.push_back(slice);
    }
  }
  std::vector<TraceSlice> take_trace() { return std::exchange(trace_, {}); }
  Clock::time_point trace_origin() const { return origin_; }
  // The load another rank measured for this node, which that rank runs (TrainingGraph::gather_to_root).
  void set_load(double busy_seconds, std::int64_t visits) {
    busy_seconds_ = busy_seconds;
    visits_ = visits;
  }

 private:
  void record(Clock::time_point start, Clock::time_point end, Pass pass, std::uint64_t batch, std::uint32_t hops) {
    const double seconds = std::chrono::duration<double>(end - start).count();
    busy_seconds_ += seconds;
    ++visits_;
    if (tracing_)
      trace_.push_back({std::chrono::duration<double, std::micro>(start - origin_).count(), seconds * 1e6, pass, batch,
                        hops, sched_getcpu()});
  }

  std::string name_;
  double busy_seconds_ = 0;
  std::int64_t visits_ = 0;
  bool tracing_ = false;
  Clock::time_point origin_;
  std::vector<TraceSlice> trace_;
};

}  // namespace pepita
