#include "graph/training_graph.hpp"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <sys/resource.h>
#include <unistd.h>

#include <omp.h>
#include <tbb/task_scheduler_observer.h>

#include "graph/thread_handoff.hpp"

namespace pepita {

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

namespace {

// The bytes of weights and optimizer state this process needs at the least (W and its velocity, of
// the layers it runs), so that an impossible size is refused with a figure instead of failing
// somewhere inside an allocator.
double minimum_model_bytes(const GraphConfig& config) {
  double parameters = 0;
  ImageShape input = config.input;
  const std::vector<ImageShape> shapes = stage_shapes(config.stages, config.input);
  for (std::size_t s = 0; s < config.stages.size(); ++s) {
    const StageSpec& stage = config.stages[s];
    if (config.ranks.link && config.ranks.rank_of_node.size() > s + 1 && !config.ranks.runs(int(s) + 1)) {
      input = shapes[s];
      continue;  // another rank holds it
    }
    if (stage.kind == StageSpec::Kind::conv)
      parameters += double(stage.units) * input.channels * stage.kernel * stage.kernel;
    else if (stage.kind == StageSpec::Kind::dense)
      parameters += double(stage.units) * double(input.size());
    input = shapes[s];
  }
  return parameters * 2 * sizeof(float);
}

// n_0, then each learning layer's units: the shapes of the factored F's factors. The follow-up
// factors F along a fully connected chain only, so a model with another stage is refused.
std::vector<int> feedback_widths(const GraphConfig& config) {
  std::vector<int> widths{int(config.input.size())};
  for (const StageSpec& stage : config.stages) {
    if (config.pepita.f_init == FeedbackInit::factored && stage.kind != StageSpec::Kind::dense)
      throw std::invalid_argument("--f-init factored needs a fully connected model: F has one factor per dense layer");
    if (stage.kind == StageSpec::Kind::dense) widths.push_back(stage.units);
  }
  return widths;  // the last is the output layer's: the classes
}

// The most memory this process has had resident so far (Linux counts ru_maxrss in KiB).
std::uint64_t peak_resident_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return std::uint64_t(usage.ru_maxrss) * 1024;
}

// The memory this process has resident now: statm's second field, in pages (0 if unreadable).
std::uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * std::uint64_t(sysconf(_SC_PAGESIZE));
}

std::string gigabytes(double bytes) {
  std::ostringstream text;
  text.precision(3);
  text << bytes / 1e9 << " GB";
  return text.str();
}

void require_memory_for(const GraphConfig& config) {
  const double needed = minimum_model_bytes(config);
  const double physical = double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGESIZE));
  // Tensor sizes are int-indexed, and no single layer can exceed the machine.
  const std::string who = config.ranks.link ? "rank " + std::to_string(config.ranks.link->rank()) + "'s layers need " : "the model needs ";
  if (needed > physical || needed / 2 / sizeof(float) > double(std::numeric_limits<int>::max()))
    throw std::invalid_argument(who + gigabytes(needed) + " for weights and momentum alone; this machine has " + gigabytes(physical));
}

}  // namespace

TrainingGraph::TrainingGraph(const GraphConfig& config)
    : config_(config), arena_(std::max(1, config.graph_threads), /*reserved_for_masters=*/1) {
  if (config.input.size() == 0 || config.classes <= 0 || config.stages.empty())
    throw std::invalid_argument("the graph needs an input shape, classes and stages");
  if (config.flow.in_flight < 1) throw std::invalid_argument("at least one batch must be in flight");
  require_memory_for(config);
  for (const StageSpec& stage : config.stages) learning_layers_ += stage.learns();
  require_valid_lags(config.flow.staleness, config.flow.in_flight, learning_layers_);
  rule_edges_ = config.rule->edges(learning_layers_);
  if (rule_edges_.error_to_input_via_projection) feedback_widths(config);  // refused before any node exists
  if (config.ranks.link) {
    const std::size_t nodes = config.stages.size() + (rule_edges_.error_to_input_via_projection ? 3 : 2);
    if (config.ranks.rank_of_node.size() != nodes)
      throw std::invalid_argument("the rank plan places " + std::to_string(config.ranks.rank_of_node.size()) + " nodes; the graph has " +
                                  std::to_string(nodes));
    if (config.ranks.rank_of_node.front() != RemoteLink::root) throw std::invalid_argument("the input node must run on rank 0");
  }
  // The graph binds to the arena it is built in, so every node task runs in ours.
  openmp_observer_ = std::make_unique<OpenMpThreadsObserver>(arena_, threads_or_all_cores(config.dnnl_threads));
  arena_.execute([&] {
    try {
      build();
    } catch (const std::bad_alloc&) {  // past the estimate: activity pools, stashes, the machine's other tenants
      throw std::runtime_error("out of memory while building the graph; its weights and momentum alone need " +
                               gigabytes(minimum_model_bytes(config)));
    }
    connect();
  });
  clocks_.push_back(&input_->clock());
  clock_nodes_.push_back(0);
  for (auto& layer : layers_) clocks_.push_back(&layer->clock()), clock_nodes_.push_back(layer->position());
  for (auto& pool : pools_) clocks_.push_back(&pool->clock()), clock_nodes_.push_back(pool->position());
  clocks_.push_back(&error_->clock());
  clock_nodes_.push_back(int(chain_.size()) + 1);
  if (projection_) clocks_.push_back(&projection_->clock()), clock_nodes_.push_back(projection_position());
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
  graph_ = std::make_unique<tbb::flow::graph>(context_);
  tbb::flow::graph& g = *graph_;
  failure_ = std::make_unique<GraphFailure>(g);
  if (config_.ranks.link) remote_ = std::make_unique<RemoteEdges>(g, *config_.ranks.link, *failure_);
  const LearningRule& rule = *config_.rule;
  tickets_ = std::make_unique<tbb::flow::queue_node<Message>>(g);
  limiter_ = std::make_unique<tbb::flow::limiter_node<Message>>(g, std::size_t(config_.flow.in_flight));
  // The input keeps x until F·e returns only when the rule has a modulated pass to build from it.
  // A mirror pass carries every layer's response side by side (fully connected models only).
  int mirror_features = 0;
  for (const StageSpec& stage : config_.stages) mirror_features += stage.learns() ? stage.units : 0;
  input_ = std::make_unique<InputNode>(g, *failure_, int(config_.input.size()), config_.max_rows,
                                       rule_edges_.error_to_input_via_projection,
                                       rule_edges_.modulated_pass_recomputes_standard, state_,
                                       config_.pepita.mirror.on() ? mirror_features : 0);
  const std::vector<ImageShape> shapes = stage_shapes(config_.stages, config_.input);
  const int layers = learning_layers_;
  int mirror_column = 0;
  // A convolution hands its activity to a pool in the kernels' blocked layout when everything that
  // meets that activity is element-wise alike: not where a direct feedback B·s (DFA, DRTP) arrives
  // in nchw to be multiplied with it.
  bool direct_feedback = false;
  for (int l = 0; l < layers; ++l) direct_feedback |= rule.feedback_weights({l, layers}) == FeedbackWeights::direct;
  const auto hands_blocked = [&](std::size_t s) {
    return !direct_feedback && config_.stages[s].kind == StageSpec::Kind::conv && s + 1 < config_.stages.size() &&
           config_.stages[s + 1].kind == StageSpec::Kind::pool && can_block(shapes[s]);
  };
  ImageShape input = config_.input;
  for (std::size_t s = 0; s < config_.stages.size(); ++s) {
    const StageSpec& stage = config_.stages[s];
    const int position = int(s) + 1;
    if (stage.kind == StageSpec::Kind::pool) {
      const ImageLayout layout = s > 0 && hands_blocked(s - 1) ? ImageLayout::blocked : ImageLayout::nchw;
      // A recomputing rule's modulated pass has twice the batch's rows.
      const int pass_rows = config_.max_rows * (rule_edges_.modulated_pass_recomputes_standard ? 2 : 1);
      pools_.push_back(std::make_unique<PoolNode>(g, input, layout, stage.kernel, stage.stride, position,
                                                  rule_edges_.gradients_down, pass_rows, config_.flow.order));
      PoolNode& pool = *pools_.back();
      chain_.push_back({&pool.entry(), &pool.node(), pool.name(), [&pool](const Message& m, Outbox& out) { pool.visit(m, out); }, {}});
    } else {
      const LayerNodeConfig layer{.graph = config_,
                                  .place = {int(layers_.size()), layers},
                                  .position = position,
                                  .stage = stage,
                                  .input = input,
                                  .conv_output = hands_blocked(s) ? ImageLayout::blocked : ImageLayout::nchw,
                                  .mirror_column = mirror_column};
      mirror_column += stage.units;
      layers_.push_back(std::make_unique<LayerNode>(g, layer, state_));
      LayerNode& node = *layers_.back();
      chain_.push_back({&node.entry(), &node.node(), node.name(), [&node](const Message& m, Outbox& out) { node.visit(m, out); },
                        [&node] { return node.updates_applied(); }});
    }
    input = shapes[s];
  }
  error_ = std::make_unique<ErrorNode>(g, config_.classes, config_.max_rows, rule.output_activation());
  if (rule_edges_.error_to_input_via_projection)
    projection_ = std::make_unique<ProjectionNode>(g, feedback_widths(config_), config_.max_rows, config_.pepita, config_.seed);
  completion_ = std::make_unique<CompletionNode>(g, rule.updates_per_batch(int(layers_.size())));
}

int TrainingGraph::rank_of(int node) const {
  return config_.ranks.rank_of_node.at(std::size_t(node == hub_node ? 0 : node));
}

bool TrainingGraph::runs_node(int node) const { return config_.ranks.runs(node == hub_node ? 0 : node); }

template <class From, class To>
void TrainingGraph::connect(From& from, To& to, std::string from_name, std::string to_name, int from_node, int to_node) {
  const auto edge = std::uint32_t(edges_.size());
  edges_.emplace_back(std::move(from_name), std::move(to_name));
  if (!remote_) return tbb::flow::make_edge(from, to);
  const int here = config_.ranks.link->rank(), from_rank = rank_of(from_node), to_rank = rank_of(to_node);
  if (from_rank == to_rank) {
    if (from_rank == here) tbb::flow::make_edge(from, to);
    return;
  }
  using Item = typename From::output_type;
  if constexpr (std::is_same_v<Item, Message> || std::is_same_v<Item, BatchEvent>) {
    std::function<std::uint64_t()> version;
    if (from_node >= 1 && from_node <= int(chain_.size())) version = chain_[std::size_t(from_node - 1)].weight_version;
    if (from_rank == here) tbb::flow::make_edge(from, remote_->sender<Item>(edge, to_rank, std::move(version)));
    if (to_rank == here) tbb::flow::make_edge(remote_->receiver<Item>(edge), to);
  } else {
    throw std::logic_error("the edge " + edges_.back().first + " → " + edges_.back().second + " cannot cross ranks");
  }
}

void TrainingGraph::connect() {
  using tbb::flow::output_port;
  const int stages = int(chain_.size()), error = stages + 1;
  connect(*tickets_, *limiter_, "tickets", "limiter", hub_node, hub_node);
  connect(*limiter_, input_->node(), "limiter", "input", hub_node, 0);
  connect(output_port<0>(input_->node()), *chain_.front().entry, "input", chain_.front().name, 0, 1);
  for (int s = 0; s < stages; ++s) {
    const Stage& stage = chain_[std::size_t(s)];
    if (s + 1 < stages)
      connect(output_port<port::up>(*stage.node), *chain_[std::size_t(s + 1)].entry, stage.name, chain_[std::size_t(s + 1)].name, s + 1, s + 2);
    else
      connect(output_port<port::up>(*stage.node), error_->node(), stage.name, "error", s + 1, error);
    connect(output_port<port::updated>(*stage.node), completion_->node(), stage.name, "completion", s + 1, hub_node);
  }
  connect_rule_edges();
  connect(output_port<ErrorNode::port::scored>(error_->node()), completion_->node(), "error", "completion", error, hub_node);
  connect(output_port<0>(completion_->node()), limiter_->decrementer(), "completion", "limiter", hub_node, hub_node);
}

// Where the output error goes, and whether gradients go down, is what tells the rules apart.
void TrainingGraph::connect_rule_edges() {
  using tbb::flow::output_port;
  const int stages = int(chain_.size()), error = stages + 1, projection = stages + 2;
  auto& error_out = output_port<ErrorNode::port::error>(error_->node());
  if (rule_edges_.gradients_down)
    for (int s = 1; s < stages; ++s)
      connect(output_port<port::down>(*chain_[std::size_t(s)].node), *chain_[std::size_t(s - 1)].entry, chain_[std::size_t(s)].name,
              chain_[std::size_t(s - 1)].name, s + 1, s);
  if (rule_edges_.error_to_input_via_projection) {
    connect(error_out, projection_->node(), "error", "projection", error, projection);
    connect(tbb::flow::output_port<0>(projection_->node()), input_->node(), "projection", "input", projection, 0);
    connect(tbb::flow::output_port<1>(projection_->node()), completion_->node(), "projection", "completion", projection, hub_node);
  }
  for (int l : rule_edges_.error_to_layers) {
    LayerNode& target = *layers_.at(std::size_t(l));
    connect(error_out, target.entry(), "error", target.name(), error, target.position());
  }
  // A layer that sends itself messages (a split backward's W visits) takes them through its own
  // queue, behind whatever the scheduler's order puts first.
  for (int l = 0; l < learning_layers_; ++l)
    if (config_.rule->sends_to_self({l, learning_layers_}, config_.flow.backward)) {
      LayerNode& layer = *layers_.at(std::size_t(l));
      connect(output_port<port::to_self>(layer.node()), layer.entry(), layer.name(), layer.name(), layer.position(), layer.position());
    }
}

void TrainingGraph::set_mirroring(bool on) {
  state_.mirroring = on && projection_;  // only PEPITA's projection has F's factors to learn
  completion_->expect_mirror_pass(state_.mirroring);
}

void TrainingGraph::set_learning_rate(float learning_rate) {
  state_.learning_rate = learning_rate;
  for (auto& layer : layers_) layer->layer().optimizer().set_learning_rate(learning_rate);  // weight decay's η
}

void TrainingGraph::run(std::span<const BatchHandle> batches, Pass pass) {
  if (pass != Pass::standard && pass != Pass::evaluate) throw std::invalid_argument("batches enter as standard or evaluate");
  run_batches(batches, pass, nullptr);
}

std::size_t TrainingGraph::run_until(std::span<const BatchHandle> batches, const std::function<bool()>& stop_requested) {
  return run_batches(batches, Pass::standard, &stop_requested);
}

std::size_t TrainingGraph::train(std::span<const BatchHandle> batches, const std::function<bool()>& stop_requested) {
  return run_batches(batches, Pass::standard, stop_requested ? &stop_requested : nullptr);
}

std::size_t TrainingGraph::run_batches(std::span<const BatchHandle> batches, Pass pass, const std::function<bool()>* stop_requested) {
  RemoteLink* link = config_.ranks.link;
  const bool hosts_input = runs_node(0);
  // Only the root's answer counts: the other ranks learn how many batches were trained from it.
  if (!hosts_input) stop_requested = nullptr;
  withdrawn_ = 0;
  if ((stop_requested && *stop_requested) || (link && hosts_input))
    completion_->after_each([&, total = batches.size()](std::int64_t completed) {
      if (stop_requested && *stop_requested && (*stop_requested)()) {
        // The queue hands tickets out in order, so what it still holds is the tail of `batches`.
        Message ticket;
        while (tickets_->try_get(ticket)) ++withdrawn_;
      }
      if (link && std::size_t(completed) == total - withdrawn_) link->finish_everywhere(std::uint64_t(completed));
    });
  struct Unhook {  // on every way out, a node's error included: the hook refers to this frame
    CompletionNode& completion;
    ~Unhook() { completion.after_each({}); }
  } unhook{*completion_};
  for (const auto& layer : layers_) layer->begin_run(batches, pass);
  const auto started = Clock::now();
  std::size_t trained = batches.size();
  arena_.execute([&] {
    omp_set_num_threads(threads_or_all_cores(config_.dnnl_threads));
    completion_->reset_count();
    if (link) {
      trained = run_across_ranks(batches, pass);
    } else {
      for (const BatchHandle& batch : batches) tickets_->try_put(Message{pass, batch, TensorHandle{}});
      graph_->wait_for_all();
      failure_->rethrow();
      trained = batches.size() - withdrawn_;
    }
    take_handoffs();
  });
  run_seconds_ += std::chrono::duration<double>(Clock::now() - started).count();
  for (const auto& layer : layers_)
    if (layer->messages_held() != 0)
      throw std::logic_error(layer->name() + " still holds " + std::to_string(layer->messages_held()) +
                             " messages that the fixed order never made due");
  if (link) copy_tallies_to_root();
  return trained;
}

std::size_t TrainingGraph::run_across_ranks(std::span<const BatchHandle> batches, Pass pass) {
  RemoteLink& link = *config_.ranks.link;
  const std::uint32_t run = ++runs_;
  // The ranks that do not read the data set through the input node still score against labels.
  if (!runs_node(0))
    for (const BatchHandle& batch : batches) fill_labels(*batch);
  remote_->start_run(run, batches);
  // Held until the link says the run is over everywhere: messages may still arrive when this
  // rank's nodes are idle.
  graph_->reserve_wait();
  link.start_run(
      run, [this](std::vector<std::byte> bytes) { remote_->deliver(std::move(bytes)); }, [this] { graph_->release_wait(); },
      [this] { return context_.is_group_execution_cancelled(); });
  try {
    if (link.is_root()) {
      for (const BatchHandle& batch : batches) tickets_->try_put(Message{pass, batch, TensorHandle{}});
      if (batches.empty()) link.finish_everywhere(0);
    }
    graph_->wait_for_all();
    failure_->rethrow();
  } catch (const std::exception& error) {
    link.fail_everywhere(error.what());
    try {
      link.end_run();  // joins the link's thread
    } catch (const RemoteFailure&) {  // the verdict that counts is this rank's own error
    }
    // The root prints it, named; on the other ranks it is one more rank that stopped.
    if (link.is_root()) throw;
    throw RemoteFailure("rank " + std::to_string(link.rank()) + ": " + error.what());
  }
  return std::size_t(link.end_run());
}

void TrainingGraph::copy_tallies_to_root() {
  RemoteLink& link = *config_.ranks.link;
  const int owner = rank_of(int(chain_.size()) + 1);
  if (owner == RemoteLink::root) return;
  ByteWriter out;
  if (link.rank() == owner) {
    const auto [training, evaluation] = error_->peek_tallies();
    out.put(training);
    out.put(evaluation);
  }
  const std::vector<std::byte> bytes = link.to_root(owner, out.take());
  if (!link.is_root()) return;
  ByteReader in(bytes);
  const auto training = in.get<ScoreTally>();
  error_->restore_tallies(training, in.get<ScoreTally>());
}

void TrainingGraph::gather_to_root() {
  RemoteLink* link = config_.ranks.link;
  if (!link) return;
  for (auto& layer : layers_) {
    const int owner = rank_of(layer->position());
    if (owner == RemoteLink::root) continue;
    ByteWriter out;
    if (link->rank() == owner) {
      LayerMetrics& metrics = layer->metrics();
      out.put_array<double>(metrics.latency_seconds);
      out.put_array<std::uint32_t>(metrics.latency_stages);
      out.put_array<std::uint64_t>(metrics.staleness);
      out.put(metrics.peak_soma_bytes);
      out.put(metrics.peak_dendrite_bytes);
      out.put(metrics.peak_stash_bytes);
      out.put(metrics.weight_checks);
      out.put(metrics.weight_mismatches);
      out.put(metrics.largest_weight_difference);
      // Sent once: the root keeps them from here on.
      metrics.latency_seconds.clear();
      metrics.latency_stages.clear();
      metrics.staleness.clear();
      metrics.weight_checks = metrics.weight_mismatches = 0;
    }
    const std::vector<std::byte> bytes = link->to_root(owner, out.take());
    if (!link->is_root()) continue;
    ByteReader in(bytes);
    LayerMetrics& metrics = layer->metrics();
    const auto append = [](auto& to, const auto& from) { to.insert(to.end(), from.begin(), from.end()); };
    append(metrics.latency_seconds, in.get_array<double>());
    append(metrics.latency_stages, in.get_array<std::uint32_t>());
    append(metrics.staleness, in.get_array<std::uint64_t>());
    metrics.peak_soma_bytes = std::max(metrics.peak_soma_bytes, in.get<std::size_t>());
    metrics.peak_dendrite_bytes = std::max(metrics.peak_dendrite_bytes, in.get<std::size_t>());
    metrics.peak_stash_bytes = std::max(metrics.peak_stash_bytes, in.get<std::size_t>());
    metrics.weight_checks += in.get<std::uint64_t>();
    metrics.weight_mismatches += in.get<std::uint64_t>();
    metrics.largest_weight_difference = std::max(metrics.largest_weight_difference, in.get<double>());
  }
  for (std::size_t node = 0; node < clocks_.size(); ++node) {
    const int owner = rank_of(clock_nodes_[node]);
    if (owner == RemoteLink::root) continue;
    NodeClock& clock = *clocks_[node];
    ByteWriter out;
    if (link->rank() == owner) {
      out.put(clock.busy_seconds());
      out.put(clock.visits());
      // The steady clock is the machine's: on one machine two ranks' origins compare; across
      // machines the trace's ranks are offset by the difference of their clocks.
      out.put(std::chrono::duration<double, std::micro>(clock.trace_origin().time_since_epoch()).count());
      out.put_array<TraceSlice>(clock.take_trace());
    }
    const std::vector<std::byte> bytes = link->to_root(owner, out.take());
    if (!link->is_root()) continue;
    ByteReader in(bytes);
    const auto busy = in.get<double>();
    clock.set_load(busy, in.get<std::int64_t>());
    const double origin_us = in.get<double>();
    const double shift_us = origin_us - std::chrono::duration<double, std::micro>(clock.trace_origin().time_since_epoch()).count();
    clock.append_trace(in.get_array<TraceSlice>(), shift_us);
  }
}

TrainingGraph::Traffic TrainingGraph::traffic_at_root() {
  Traffic traffic;
  RemoteLink* link = config_.ranks.link;
  if (!link) return traffic;
  for (int rank = 0; rank < link->ranks(); ++rank) {
    ByteWriter out;
    if (link->rank() == rank) {
      out.put(link->transport_seconds());
      out.put(held_weight_bytes());
      out.put(resident_bytes());
      out.put(peak_resident_bytes());
      for (const RemoteEdges::Crossing& crossing : remote_->crossings()) out.put(crossing);
    }
    const std::vector<std::byte> bytes = link->to_root(rank, out.take());
    if (!link->is_root()) continue;
    ByteReader in(bytes);
    traffic.transport_seconds.push_back(in.get<double>());
    traffic.weight_bytes.push_back(in.get<std::uint64_t>());
    traffic.resident_bytes.push_back(in.get<std::uint64_t>());
    traffic.peak_resident_bytes.push_back(in.get<std::uint64_t>());
    while (!in.done()) {
      const auto crossing = in.get<RemoteEdges::Crossing>();
      const auto& [from, to] = edges_.at(crossing.edge);
      traffic.edges.push_back({from, to, rank, crossing.to_rank, crossing.messages, crossing.bytes});
    }
  }
  return traffic;
}

std::uint64_t TrainingGraph::held_weight_bytes() const {
  std::uint64_t values = 0;
  for (const auto& node : layers_) {
    const Layer& layer = std::as_const(*node).layer();
    values += layer.weights().size() + layer.velocity().size() + node->feedback_weights().size();
  }
  return values * sizeof(float);
}

std::vector<std::byte> TrainingGraph::on_node_rank(int node, const std::function<std::vector<std::byte>()>& compute) {
  RemoteLink* link = config_.ranks.link;
  if (!link) return compute();
  const int owner = rank_of(node);
  std::vector<std::byte> bytes = link->rank() == owner ? compute() : std::vector<std::byte>{};
  return link->bytes_from_root(link->to_root(owner, std::move(bytes)));
}

std::vector<std::byte> TrainingGraph::on_layer_rank(int index,
                                                    const std::function<std::vector<std::byte>(const LayerNode&)>& compute) {
  const LayerNode& node = layer(index);
  return on_node_rank(node.position(), [&] { return compute(node); });
}

int TrainingGraph::projection_position() const { return int(chain_.size()) + 2; }

std::vector<std::byte> TrainingGraph::on_projection_rank(const std::function<std::vector<std::byte>()>& compute) {
  if (!projection_) throw std::logic_error("on_projection_rank: the rule has no projection node");
  return on_node_rank(projection_position(), compute);
}

std::optional<int> TrainingGraph::projection_rank() const {
  if (!projection_ || !config_.ranks.link) return std::nullopt;
  return rank_of(projection_position());
}

bool TrainingGraph::root_decides(bool answer) {
  return config_.ranks.link ? config_.ranks.link->from_root(answer) != 0 : answer;
}

void TrainingGraph::visit(int node, const Message& message, Outbox& out) {
  const int stages = int(chain_.size());
  if (node == 0) return input_->visit(message, out);
  if (node >= 1 && node <= stages) return chain_[std::size_t(node - 1)].visit(message, out);
  if (node == stages + 1) return error_->visit(message, out);
  if (node == projection_position() && projection_) return projection_->visit(message, out);
  throw std::out_of_range("the graph has no node " + std::to_string(node));
}

void TrainingGraph::take_handoffs() {
  for (NodeClock* clock : clocks_) take_handoff(clock);
  take_handoff(completion_.get());
}

void TrainingGraph::flush_updates(int rows) {
  for (auto& layer : layers_)
    if (runs_node(layer->position())) layer->apply_accumulated(rows);
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

Clock::time_point TrainingGraph::enable_trace() {
  const auto origin = Clock::now();
  for (NodeClock* clock : clocks_) clock->enable_trace(origin);
  return origin;
}

std::vector<TrainingGraph::NodeTrace> TrainingGraph::node_traces() const {
  std::vector<NodeTrace> traces;
  for (const NodeClock* clock : clocks_) traces.push_back({clock->name(), clock->trace()});
  return traces;
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
  // One process per rank when the graph spans ranks (pid 1 + rank), else one.
  if (config_.ranks.link)
    for (int rank = 0; rank < config_.ranks.link->ranks(); ++rank) {
      out << (first ? "" : ",\n") << R"(  {"name": "process_name", "ph": "M", "pid": )" << rank + 1 << R"(, "args": {"name": "rank )" << rank
          << "\"}}";
      first = false;
    }
  for (std::size_t track = 0; track < clocks_.size(); ++track) {
    const NodeClock& clock = *clocks_[track];
    const int pid = config_.ranks.link ? rank_of(clock_nodes_[track]) + 1 : 1;
    out << (first ? "" : ",\n") << R"(  {"name": "thread_name", "ph": "M", "pid": )" << pid << R"(, "tid": )" << track
        << R"(, "args": {"name": ")" << clock.name() << "\"}}";
    first = false;
    for (const TraceSlice& slice : clock.trace())
      out << ",\n" << R"(  {"name": ")" << to_string(slice.pass) << R"(", "ph": "X", "pid": )" << pid << R"(, "tid": )" << track
          << R"(, "ts": )" << slice.start_us << R"(, "dur": )" << slice.duration_us << R"(, "args": {"batch": )"
          << slice.batch << R"(, "cpu": )" << slice.cpu << "}}";
  }
  out << "\n]}\n";
  return out.str();
}

}  // namespace pepita
