#pragma once
// Where a node's visit sends what it makes. A visit is a function from one message to the messages
// it sends on; who carries them is not its business. In the flow graph the outbox is the node's
// output ports (PortsOutbox), and oneTBB delivers at once; under the virtual clock it is a recorder
// (schedulers/virtual_clock.hpp), and the simulation delivers each message in virtual time.
//
// Every node has the same four exits, so one interface serves them all:
//   up:      its main output: activity up the chain, e from the error node, F·e from the projection;
//   down:    the gradient at a stage's input, to the stage below (rules with gradients_down only);
//   to_self: a message for a later visit of the same node, which waits in its queue like any
//            other (a split backward's B visit sends its W visit the term);
//   report:  "layer l updated batch b", or "batch b is scored", for the completion node.
#include <cstddef>
#include <stdexcept>
#include <tuple>
#include <utility>

#include <tbb/flow_graph.h>

#include "graph/message.hpp"

namespace pepita {

class Outbox {
 public:
  virtual void up(Message message) = 0;
  virtual void down(Message message) = 0;
  virtual void to_self(Message message) = 0;
  virtual void report(BatchEvent event) = 0;

 protected:
  ~Outbox() = default;
};

inline constexpr std::size_t no_port = std::size_t(-1);

// The outbox of a multifunction node: which of its ports is up, report, down and to_self (no_port:
// none; a visit that sends there is a wiring mistake).
template <class Ports, std::size_t Up, std::size_t Report = no_port, std::size_t Down = no_port, std::size_t ToSelf = no_port>
class PortsOutbox final : public Outbox {
 public:
  explicit PortsOutbox(Ports& ports) : ports_(ports) {}
  void up(Message message) override { std::get<Up>(ports_).try_put(std::move(message)); }
  void down(Message message) override {
    if constexpr (Down != no_port) std::get<Down>(ports_).try_put(std::move(message));
    else reject_message("a node with no down port", message.pass);
  }
  void to_self(Message message) override {
    if constexpr (ToSelf != no_port) std::get<ToSelf>(ports_).try_put(std::move(message));
    else reject_message("a node with no port to itself", message.pass);
  }
  void report(BatchEvent event) override {
    if constexpr (Report != no_port) std::get<Report>(ports_).try_put(std::move(event));
    else throw std::logic_error("a node with no report port reported a batch event");
  }

 private:
  Ports& ports_;
};

}  // namespace pepita
