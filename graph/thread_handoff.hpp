#pragma once
// Debian's libtbb is not built with ThreadSanitizer, so TSan cannot see the synchronisation inside
// it: a message copied into a task by one thread and read by another, a serial node's next visit
// running on another worker, the thread in wait_for_all learning that the graph is idle. It would
// report each of those hand-overs as a race. The calls here state them, keyed so that nothing
// else is ordered by them:
// - a message (HandedOver): every copy takes its source and then publishes itself; the node that
//   reads one (taking_messages) takes it first; a message built where oneTBB destroyed another
//   comes after it;
// - a serial node (SerialVisit): each visit takes the node as it starts and publishes it as it ends;
// - the thread that waited for the graph takes every node afterwards.
// Two visits that overlap in time are never ordered by them, so TSan still sees those races.
// Outside a ThreadSanitizer build they compile to nothing.
#include <concepts>
#include <type_traits>
#include <utility>

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

namespace pepita {

inline void publish_handoff([[maybe_unused]] const void* key) {
#if defined(__SANITIZE_THREAD__)
  __tsan_release(const_cast<void*>(key));
#endif
}

inline void take_handoff([[maybe_unused]] const void* key) {
#if defined(__SANITIZE_THREAD__)
  __tsan_acquire(const_cast<void*>(key));
#endif
}

// Memory that oneTBB reuses for one value after another (its queues, its recycled tasks): a value
// built there is ordered after the destruction of the one before it.
// Its constructors cannot throw, so that a message is nothrow default-constructible: oneTBB runs a
// lightweight node's body inline only when `body(Input())` is noexcept (graph/remote_edges.hpp).
class ReusedSlot {
 protected:
  ReusedSlot() noexcept { take_handoff(this); }
  ReusedSlot(const ReusedSlot&) noexcept : ReusedSlot() {}
  ReusedSlot& operator=(const ReusedSlot&) { return *this; }
  ~ReusedSlot() { publish_handoff(this); }
};

// The aggregate `Fields`, as a value oneTBB may copy from one thread to another.
template <class Fields>
class HandedOver : private ReusedSlot, public Fields {
 public:
  HandedOver() = default;
  template <class... Args>
    requires(sizeof...(Args) > 0 && !(sizeof...(Args) == 1 && (std::same_as<std::remove_cvref_t<Args>, HandedOver> && ...)))
  HandedOver(Args&&... fields) : Fields{std::forward<Args>(fields)...} {
    publish_handoff(this);
  }
  HandedOver(const HandedOver& other) : ReusedSlot(), Fields(taken(other)) { publish_handoff(this); }
  HandedOver(HandedOver&& other) noexcept : ReusedSlot(), Fields(std::move(taken(other))) { publish_handoff(this); }
  HandedOver& operator=(const HandedOver& other) {
    Fields::operator=(taken(other));
    publish_handoff(this);
    return *this;
  }
  HandedOver& operator=(HandedOver&& other) noexcept {
    Fields::operator=(std::move(taken(other)));
    publish_handoff(this);
    return *this;
  }
  ~HandedOver() = default;

 private:
  template <class Source>
  static Source& taken(Source& source) {
    take_handoff(&source);
    return source;
  }
};

// A node's body that takes each message before anything reads it, the body's own captures
// included: the graph's builder wrote those on another thread. It cannot throw when the body
// cannot (oneTBB asks that of a lightweight node's body).
template <class Body>
auto taking_messages(Body body) {
  return [body](const auto& message, auto&... ports) noexcept(
             std::is_nothrow_invocable_v<const Body&, decltype(message), decltype(ports)...>) {
    take_handoff(&message);
    return body(message, ports...);
  };
}

// One visit of a serial node: ordered after the node's previous visits.
class SerialVisit {
 public:
  explicit SerialVisit(const void* node) : node_(node) { take_handoff(node_); }
  ~SerialVisit() { publish_handoff(node_); }
  SerialVisit(const SerialVisit&) = delete;
  SerialVisit& operator=(const SerialVisit&) = delete;

 private:
  const void* node_;
};

}  // namespace pepita
