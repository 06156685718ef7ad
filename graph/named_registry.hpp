#pragma once
// Plug-ins known by name — learning rules, schedulers — as Caffe's layer registry keeps layers: a
// list that the built-ins start and that any translation unit may add to with a static
// registration object, and an error for an unknown name that lists the known ones.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pepita {

// Entry is anything `name_of(entry)` names.
template <class Entry>
class NamedRegistry {
 public:
  // `kind` names the plug-ins in errors ("scheduler"); `built_ins` are added first, in order.
  NamedRegistry(std::string kind, std::vector<Entry> built_ins) : kind_(std::move(kind)) {
    for (Entry& entry : built_ins) add(std::move(entry));
  }

  // Throws std::logic_error if the name is taken: two plug-ins must never answer to one name.
  void add(Entry entry) {
    if (find(name_of(entry))) throw std::logic_error("a second " + kind_ + " named " + std::string(name_of(entry)));
    entries_.push_back(std::move(entry));
  }
  const std::vector<Entry>& entries() const { return entries_; }
  const Entry* find(std::string_view name) const {
    for (const Entry& entry : entries_)
      if (name_of(entry) == name) return &entry;
    return nullptr;
  }
  // Throws std::invalid_argument: "<prefix>'<name>' is not one of: a, b, c".
  const Entry& at(std::string_view name, const std::string& prefix) const {
    if (const Entry* entry = find(name)) return *entry;
    throw std::invalid_argument(prefix + "'" + std::string(name) + "' is not one of: " + names());
  }
  std::string names() const {
    std::string names;
    for (const Entry& entry : entries_) names += (names.empty() ? "" : ", ") + std::string(name_of(entry));
    return names;
  }

 private:
  std::string kind_;
  std::vector<Entry> entries_;
};

}  // namespace pepita
