#include "graph/pool_node.hpp"


namespace pepita {

PoolNode::PoolNode(tbb::flow::graph& graph, ImageShape input, ImageLayout input_layout, int window, int stride,
                   int position, bool keeps_workspace, int max_rows, MessageOrder order)
    : pool_(input, window, stride, input_layout),
      name_("pool " + std::to_string(position)),
      position_(position),
      keeps_workspace_(keeps_workspace),
      activity_pool_(make_tensor_pool(max_rows, pool_.outputs())),
      workspace_pool_(make_tensor_pool(max_rows, pool_.workspace_features())),
      gradient_pool_(make_tensor_pool(max_rows, pool_.inputs())),
      workspaces_(name_, "workspace"),
      clock_(name_),
      queue_(graph, MessagePriority{order}),
      node_(graph, tbb::flow::serial, taking_messages([this](const Message& m, StageNode::output_ports_type& ports) {
        StageOutbox out(ports);
        visit(m, out);
      })) {
  tbb::flow::make_edge(queue_, node_);
}

void PoolNode::visit(const Message& message, Outbox& out) {
  NodeClock::Visit visit(clock_, message);
  const std::uint64_t id = message.batch->id;
  if (message.pass == Pass::backward) {
    const TensorHandle workspace = workspaces_.release(id);
    TensorHandle gradient = acquire_tensor(gradient_pool_, message.activity->rows);
    pool_.backward(*message.activity, *workspace, *gradient);
    out.down(next_message(Pass::backward, message, std::move(gradient)));
    return;
  }
  if (message.pass != Pass::standard && message.pass != Pass::modulated && message.pass != Pass::evaluate)
    reject_message(name_, message.pass);
  TensorHandle pooled = acquire_tensor(activity_pool_, message.activity->rows);
  TensorHandle workspace;
  if (message.pass == Pass::standard && keeps_workspace_) {
    workspace = acquire_tensor(workspace_pool_, message.activity->rows);
    workspaces_.keep(id, workspace);
  }
  pool_.forward(*message.activity, *pooled, workspace ? &*workspace : nullptr);
  out.up(next_message(message.pass, message, std::move(pooled)));
}

}  // namespace pepita
