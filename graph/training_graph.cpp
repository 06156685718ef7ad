#include "graph/training_graph.hpp"

#include <algorithm>
#include <atomic>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <omp.h>
#include <tbb/task_scheduler_observer.h>

#include "graph/thread_handoff.hpp"

namespace pepita {

namespace {
int resolved_dnnl_threads(int requested) {
  return requested > 0 ? requested : int(std::max(1u, std::thread::hardware_concurrency()));
}
}  // namespace

// OpenMP's thread count is per calling thread: every oneTBB worker that joins our arena must get
// the configured count before it runs a primitive, or each would start a full-size team.
class OpenMpThreadsObserver final : public tbb::task_scheduler_observer {
 public:
  OpenMpThreadsObserver(tbb::task_arena& arena, int threads) : tbb::task_scheduler_observer(arena) {
    threads_.store(threads);
    observe(true);
  }
  ~OpenMpThreadsObserver() override {
    observe(false);  // returns once no callback is running, which TSan cannot see inside libtbb
    take_handoff(this);
  }
  void on_scheduler_entry(bool) override {
    omp_set_num_threads(threads_.load());
    publish_handoff(this);
  }

 private:
  std::atomic<int> threads_{0};  // atomic: handed to workers inside libtbb (thread_handoff.hpp)
};

TrainingGraph::TrainingGraph(const GraphConfig& config)
    : config_(config), arena_(std::max(1, config.graph_threads), /*reserved_for_masters=*/1) {
  if (config.input.size() == 0 || config.classes <= 0 || config.stages.empty())
    throw std::invalid_argument("the graph needs an input shape, classes and stages");
  if (config.in_flight < 1) throw std::invalid_argument("at least one batch must be in flight");
  // The graph binds to the arena it is built in, so every node task runs in ours.
  openmp_observer_ = std::make_unique<OpenMpThreadsObserver>(arena_, resolved_dnnl_threads(config.dnnl_threads));
  arena_.execute([&] {
    build();
    connect();
  });
  clocks_.push_back(&input_->clock());
  for (auto& layer : layers_) clocks_.push_back(&layer->clock());
  for (auto& pool : pools_) clocks_.push_back(&pool->clock());
  clocks_.push_back(&error_->clock());
  if (projection_) clocks_.push_back(&projection_->clock());
}

TrainingGraph::~TrainingGraph() {
  // After a failed run messages may still sit in node buffers: drop them before the nodes whose
  // pools they came from, and the upper layers (which may hold lower layers' activity) first.
  // Resetting a buffering node can spawn a forwarding task: let it run while the nodes still exist.
  arena_.execute([&] {
    graph_->reset(tbb::flow::rf_clear_edges);
    graph_->wait_for_all();
    take_handoffs();
  });
  chain_.clear();
  while (!layers_.empty()) layers_.pop_back();
  pools_.clear();
}

void TrainingGraph::build() {
  graph_ = std::make_unique<tbb::flow::graph>();
  tbb::flow::graph& g = *graph_;
  tickets_ = std::make_unique<tbb::flow::queue_node<Message>>(g);
  limiter_ = std::make_unique<tbb::flow::limiter_node<Message>>(g, std::size_t(config_.in_flight));
  input_ = std::make_unique<InputNode>(g, int(config_.input.size()), config_.max_rows, config_.rule == Rule::pepita);
  const std::vector<ImageShape> shapes = stage_shapes(config_.stages, config_.input);
  // A convolution hands its activity to a pool in the kernels' blocked layout when everything that
  // meets that activity is element-wise alike: not under DFA or DRTP, whose B·e arrives in nchw.
  const bool layout_free_rule = config_.rule == Rule::pepita || config_.rule == Rule::bp || config_.rule == Rule::fa;
  const auto hands_blocked = [&](std::size_t s) {
    return layout_free_rule && config_.stages[s].kind == StageSpec::Kind::conv && s + 1 < config_.stages.size() &&
           config_.stages[s + 1].kind == StageSpec::Kind::pool && can_block(shapes[s]);
  };
  ImageShape input = config_.input;
  for (std::size_t s = 0; s < config_.stages.size(); ++s) {
    const StageSpec& stage = config_.stages[s];
    const int position = int(s) + 1;
    if (stage.kind == StageSpec::Kind::pool) {
      const bool keeps_workspace = config_.rule == Rule::bp || config_.rule == Rule::fa;
      const ImageLayout layout = s > 0 && hands_blocked(s - 1) ? ImageLayout::blocked : ImageLayout::nchw;
      pools_.push_back(std::make_unique<PoolNode>(g, input, layout, stage.kernel, stage.stride, position, keeps_workspace,
                                                  config_.max_rows, config_.order));
      chain_.push_back({&pools_.back()->entry(), &pools_.back()->node(), pools_.back()->name()});
    } else {
      const bool is_output = s + 1 == config_.stages.size();
      LayerNodeConfig layer{.index = int(layers_.size()),
                            .position = position,
                            .stage = stage,
                            .input = input,
                            .classes = config_.classes,
                            .is_output = is_output,
                            .rule = config_.rule,
                            .dropout = is_output ? 0.0f : config_.dropout,
                            .momentum = config_.momentum,
                            .max_rows = config_.max_rows,
                            .seed = config_.seed,
                            .pepita = config_.pepita,
                            .weights = config_.weights,
                            .order = config_.order,
                            .deferred_updates = config_.deferred_updates,
                            .conv_output = hands_blocked(s) ? ImageLayout::blocked : ImageLayout::nchw};
      layers_.push_back(std::make_unique<LayerNode>(g, layer, state_));
      chain_.push_back({&layers_.back()->entry(), &layers_.back()->node(), layers_.back()->name()});
    }
    input = shapes[s];
  }
  error_ = std::make_unique<ErrorNode>(g, config_.classes, config_.max_rows, output_activation(config_.rule));
  if (config_.rule == Rule::pepita)
    projection_ = std::make_unique<ProjectionNode>(g, config_.classes, int(config_.input.size()), config_.max_rows,
                                                   config_.pepita, config_.seed);
  completion_ = std::make_unique<CompletionNode>(g, int(layers_.size()));
}

template <class From, class To>
void TrainingGraph::connect(From& from, To& to, std::string from_name, std::string to_name) {
  tbb::flow::make_edge(from, to);
  edges_.emplace_back(std::move(from_name), std::move(to_name));
}

void TrainingGraph::connect() {
  using tbb::flow::output_port;
  connect(*tickets_, *limiter_, "tickets", "limiter");
  connect(*limiter_, input_->node(), "limiter", "input");
  connect(input_->node(), *chain_.front().entry, "input", chain_.front().name);
  const bool sends_down = config_.rule == Rule::bp || config_.rule == Rule::fa;
  for (std::size_t s = 0; s < chain_.size(); ++s) {
    const Stage& stage = chain_[s];
    if (s + 1 < chain_.size()) connect(output_port<0>(*stage.node), *chain_[s + 1].entry, stage.name, chain_[s + 1].name);
    else connect(output_port<0>(*stage.node), error_->node(), stage.name, "error");
    connect(output_port<1>(*stage.node), completion_->node(), stage.name, "completion");
    if (sends_down && s > 0) connect(output_port<2>(*stage.node), *chain_[s - 1].entry, stage.name, chain_[s - 1].name);
  }
  // Where the output error goes is what tells the rules apart.
  auto& error_out = output_port<0>(error_->node());
  switch (config_.rule) {
    case Rule::pepita:
      connect(error_out, projection_->node(), "error", "projection");
      connect(projection_->node(), input_->node(), "projection", "input");
      break;
    case Rule::dfa:
      for (auto& layer : layers_) connect(error_out, layer->entry(), "error", layer->name());
      break;
    case Rule::bp:
    case Rule::fa:
    case Rule::drtp: connect(error_out, layers_.back()->entry(), "error", layers_.back()->name()); break;
  }
  connect(output_port<1>(error_->node()), completion_->node(), "error", "completion");
  connect(output_port<0>(completion_->node()), limiter_->decrementer(), "completion", "limiter");
}

void TrainingGraph::run(std::span<const BatchHandle> batches, Pass pass) {
  if (pass != Pass::standard && pass != Pass::evaluate) throw std::invalid_argument("batches enter as standard or evaluate");
  const auto started = Clock::now();
  arena_.execute([&] {
    omp_set_num_threads(resolved_dnnl_threads(config_.dnnl_threads));
    completion_->reset_count();
    for (const BatchHandle& batch : batches) tickets_->try_put(Message{pass, batch, TensorHandle{}});
    graph_->wait_for_all();
    take_handoffs();
  });
  run_seconds_ += std::chrono::duration<double>(Clock::now() - started).count();
}

void TrainingGraph::take_handoffs() {
  for (NodeClock* clock : clocks_) take_handoff(clock);
  take_handoff(completion_.get());
}

void TrainingGraph::flush_updates(int rows) {
  for (auto& layer : layers_) layer->apply_accumulated(rows);
}

std::vector<NodeLoad> TrainingGraph::node_loads() {
  std::vector<NodeLoad> loads;
  for (NodeClock* clock : clocks_) loads.push_back({clock->name(), clock->busy_seconds(), clock->visits()});
  return loads;
}

std::size_t TrainingGraph::batches_held() const {
  std::size_t held = input_->batches_held();
  for (const auto& layer : layers_) held += layer->batches_held();
  for (const auto& pool : pools_) held += pool->batches_held();
  return held;
}

void TrainingGraph::reset_node_loads() {
  for (NodeClock* clock : clocks_) clock->reset();
  run_seconds_ = 0;
}

void TrainingGraph::enable_trace() {
  const auto origin = Clock::now();
  for (NodeClock* clock : clocks_) clock->enable_trace(origin);
}

int TrainingGraph::peak_concurrent_visits() const {
  std::vector<std::pair<double, int>> edges;  // (time, +1 at a start or −1 at an end)
  for (const NodeClock* clock : clocks_)
    for (const TraceSlice& slice : clock->trace()) {
      edges.emplace_back(slice.start_us, +1);
      edges.emplace_back(slice.start_us + slice.duration_us, -1);
    }
  std::sort(edges.begin(), edges.end());  // at equal times the end sorts first: touching is not overlapping
  int running = 0, peak = 0;
  for (const auto& [time, change] : edges) peak = std::max(peak, running += change);
  return peak;
}

std::string TrainingGraph::chrome_trace_json() {
  std::ostringstream out;
  out << "{\"traceEvents\": [\n";
  bool first = true;
  for (std::size_t track = 0; track < clocks_.size(); ++track) {
    const NodeClock& clock = *clocks_[track];
    out << (first ? "" : ",\n") << R"(  {"name": "thread_name", "ph": "M", "pid": 1, "tid": )" << track
        << R"(, "args": {"name": ")" << clock.name() << "\"}}";
    first = false;
    for (const TraceSlice& slice : clock.trace())
      out << ",\n" << R"(  {"name": ")" << to_string(slice.pass) << R"(", "ph": "X", "pid": 1, "tid": )" << track
          << R"(, "ts": )" << slice.start_us << R"(, "dur": )" << slice.duration_us << R"(, "args": {"batch": )"
          << slice.batch << "}}";
  }
  out << "\n]}\n";
  return out.str();
}

}  // namespace pepita
