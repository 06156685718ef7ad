#include "graph/remote_edges.hpp"

#include <string>
#include <utility>

namespace pepita {

std::vector<RemoteEdges::Crossing> RemoteEdges::crossings() const {
  std::vector<Crossing> all;
  for (const SentCount& count : sent_) all.push_back({count.edge, count.to_rank, count.messages.load(), count.bytes.load()});
  return all;
}

void RemoteEdges::start_run(std::uint32_t run, std::span<const BatchHandle> batches) {
  run_ = run;
  batches_.clear();
  for (const BatchHandle& batch : batches) batches_.emplace(batch->id, batch);
}

const BatchHandle& RemoteEdges::batch(std::uint64_t id, Pass pass) const {
  const auto found = batches_.find(id);
  if (found == batches_.end())
    throw WireError(std::string("a ") + to_string(pass) + " message for batch " + std::to_string(id) + ", which this run does not have, arrived");
  return found->second;
}

void RemoteEdges::deliver(std::vector<std::byte> bytes) {
  const WireMessage wire = decode_wire(bytes);
  const WireHeader& h = wire.header;
  if (h.run != run_)
    throw WireError("a message of run " + std::to_string(h.run) + " arrived from rank " + std::to_string(h.sender) + " during run " +
                    std::to_string(run_));
  const auto found = receivers_.find(h.edge);
  if (found == receivers_.end())
    throw WireError(std::string("a ") + to_string(h.pass) + " message from rank " + std::to_string(h.sender) + " names edge " +
                    std::to_string(h.edge) + ", which does not lead to this rank");
  found->second(wire);
}

}  // namespace pepita
