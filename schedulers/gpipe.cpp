// GPipe: M micro-batches go through their standard passes, then their learning passes; the layers
// sum the updates and apply them together at the flush. M micro-batches of b samples thus take the
// step that one batch of M·b would. The flush is GPipe's own control flow, so it overrides train().
#include <algorithm>

#include "schedulers/builtin_schedulers.hpp"

namespace pepita {

namespace {

class GPipe final : public Scheduler {
 public:
  explicit GPipe(const SchedulerSettings& settings)
      : Scheduler(settings,
                  FlowPolicy{.in_flight = settings.micro_batches,
                             .order = MessageOrder::standard_first,
                             .updates = UpdateMode::deferred},
                  ThreadSplit::overlap_layers) {}

  // Stops only between groups: a group cut short would take a step of fewer samples.
  std::size_t train(BatchRunner& runner, std::span<const BatchHandle> batches,
                    const std::function<bool()>& stop_requested) const override {
    const std::size_t m = std::size_t(settings().micro_batches);
    std::size_t start = 0;
    for (; start < batches.size(); start += m) {
      if (start > 0 && stop_requested && stop_requested()) break;
      const auto group = batches.subspan(start, std::min(m, batches.size() - start));
      runner.train(group, {});
      int rows = 0;
      for (const BatchHandle& micro_batch : group) rows += micro_batch->rows();
      runner.flush_updates(rows);
    }
    return std::min(start, batches.size());
  }

  int batches_per_update() const override { return settings().micro_batches; }
};

}  // namespace

SchedulerEntry gpipe_scheduler() {
  return {"gpipe", "M micro-batches forward, then learning, one update at the flush", {"micro-batches"},
          [](const SchedulerSettings& settings) { return std::make_unique<GPipe>(settings); }};
}

}  // namespace pepita
