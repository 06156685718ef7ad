#pragma once
// What a node keeps for each batch in flight, keyed by batch id (never by arrival order). At most a
// few batches are in flight, so a vector searched from the front beats a map.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace pepita {

template <class T>
class BatchStore {
 public:
  // The error for a batch that holds nothing reads "<owner> holds no <what> for batch <id>".
  BatchStore(std::string owner, std::string what) : owner_(std::move(owner)), what_(std::move(what)) {}

  T& keep(std::uint64_t batch, T value) { return entries_.emplace_back(batch, std::move(value)).second; }
  // The entry for `batch`, made from T{} if there is none yet.
  T& find_or_add(std::uint64_t batch) {
    for (auto& [id, value] : entries_)
      if (id == batch) return value;
    return keep(batch, T{});
  }
  // The batch's entry, left in place; throws std::logic_error if it holds none.
  const T& at(std::uint64_t batch) const { return entries_[index_of(batch)].second; }
  // Takes the batch's entry out; throws std::logic_error if it holds none.
  T release(std::uint64_t batch) {
    const auto found = entries_.begin() + std::ptrdiff_t(index_of(batch));
    T value = std::move(found->second);
    entries_.erase(found);
    return value;
  }
  std::size_t size() const { return entries_.size(); }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }

 private:
  std::size_t index_of(std::uint64_t batch) const {
    const auto found = std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) { return e.first == batch; });
    if (found == entries_.end()) throw std::logic_error(owner_ + " holds no " + what_ + " for batch " + std::to_string(batch));
    return std::size_t(found - entries_.begin());
  }

  std::string owner_;
  std::string what_;
  std::vector<std::pair<std::uint64_t, T>> entries_;
};

}  // namespace pepita
