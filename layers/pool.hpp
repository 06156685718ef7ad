#pragma once
// A thread-safe pool of reusable objects handed out through reference-counted handles.
// Activity tensors travel between graph nodes on different threads; pooling them keeps the
// steady state free of allocation, and the count of live objects is the buffer memory metric.
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace pepita {

template <class T>
class Pool {
  struct Slot {
    Slot(T v, Pool* pool) : value(std::move(v)), owner(pool) {}
    T value;
    std::atomic<int> references{0};
    Pool* owner;
  };

 public:
  class Handle {
   public:
    Handle() = default;
    Handle(const Handle& other) : slot_(other.slot_) { retain(); }
    Handle(Handle&& other) noexcept : slot_(std::exchange(other.slot_, nullptr)) {}
    Handle& operator=(Handle other) noexcept {
      std::swap(slot_, other.slot_);
      return *this;
    }
    ~Handle() { release(); }

    T& operator*() const { return slot_->value; }
    T* operator->() const { return &slot_->value; }
    explicit operator bool() const { return slot_ != nullptr; }
    void reset() {
      release();
      slot_ = nullptr;
    }

   private:
    friend class Pool;
    explicit Handle(Slot* slot) : slot_(slot) { retain(); }
    void retain() {
      if (slot_) slot_->references.fetch_add(1, std::memory_order_relaxed);
    }
    void release() {
      if (slot_ && slot_->references.fetch_sub(1, std::memory_order_acq_rel) == 1)
        slot_->owner->give_back(slot_);
    }
    Slot* slot_ = nullptr;
  };

  explicit Pool(std::function<T()> make) : make_(std::move(make)) {}
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Reuses a free object, or makes a new one while the pool is still growing to its working set.
  Handle acquire() {
    std::lock_guard lock(mutex_);
    if (free_.empty()) {
      slots_.push_back(std::make_unique<Slot>(make_(), this));
      free_.reserve(slots_.size());
      return Handle(slots_.back().get());
    }
    Slot* slot = free_.back();
    free_.pop_back();
    return Handle(slot);
  }

  std::size_t created() const {
    std::lock_guard lock(mutex_);
    return slots_.size();
  }
  std::size_t in_use() const {
    std::lock_guard lock(mutex_);
    return slots_.size() - free_.size();
  }

 private:
  void give_back(Slot* slot) {
    std::lock_guard lock(mutex_);
    free_.push_back(slot);
  }

  std::function<T()> make_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Slot*> free_;
};

}  // namespace pepita
