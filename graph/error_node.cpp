#include "graph/error_node.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "graph/divergence.hpp"

namespace pepita {

ErrorNode::ErrorNode(tbb::flow::graph& graph, int classes, int max_rows, Activation output)
    : output_(output),
      pool_(make_tensor_pool(max_rows, classes)),
      node_(graph, tbb::flow::serial, taking_messages([this](const Message& m, Node::output_ports_type& ports) {
        PortsOutbox<Node::output_ports_type, port::error, port::scored> out(ports);
        visit(m, out);
      })) {}

ScoreTally ErrorNode::peek_training_tally() const {
  std::lock_guard lock(tally_mutex_);
  return training_;
}
ScoreTally ErrorNode::take_training_tally() {
  std::lock_guard lock(tally_mutex_);
  return std::exchange(training_, {});
}
void ErrorNode::restore_training_tally(const ScoreTally& tally) {
  std::lock_guard lock(tally_mutex_);
  training_ = tally;
}
ScoreTally ErrorNode::take_evaluation_tally() {
  std::lock_guard lock(tally_mutex_);
  return std::exchange(evaluation_, {});
}

void ErrorNode::score(const Tensor& output, const BatchInfo& batch, ScoreTally& tally, Pass pass) {
  require_finite(output.values(), batch, pass, [] { return "output"; });
  ScoreTally scored;
  for (int r = 0; r < output.rows; ++r) {
    const float* p = output.row(r);
    const int label = batch.labels[std::size_t(r)];
    if (output_ == Activation::sigmoid) {
      for (int c = 0; c < output.features; ++c)
        scored.loss_sum -= std::log(std::max(c == label ? double(p[c]) : 1.0 - double(p[c]), 1e-30));
    } else {
      scored.loss_sum -= std::log(std::max(double(p[label]), 1e-30));
    }
    scored.correct += int(std::max_element(p, p + output.features) - p) == label;
  }
  std::lock_guard lock(tally_mutex_);
  tally.loss_sum += scored.loss_sum;
  tally.correct += scored.correct;
  tally.samples += output.rows;
}

void ErrorNode::visit(const Message& message, Outbox& out) {
  NodeClock::Visit visit(clock_, message);
  const BatchInfo& batch = *message.batch;
  const Tensor& output = *message.activity;
  if (message.pass == Pass::evaluate) {
    score(output, batch, evaluation_, message.pass);
    out.report(BatchEvent{batch.id, -1});
    return;
  }
  if (message.pass == Pass::mirror) return out.up(next_message(Pass::mirror, message, message.activity));  // to F
  if (message.pass != Pass::standard) reject_message("the error node", message.pass);
  score(output, batch, training_, message.pass);
  TensorHandle error = acquire_tensor(pool_, output.rows);
  std::memcpy(error->data(), output.data(), output.size() * sizeof(float));
  subtract_onehot(*error, batch.labels);
  out.up(next_message(Pass::error, message, std::move(error)));
}

}  // namespace pepita

namespace pepita {

std::pair<ScoreTally, ScoreTally> ErrorNode::peek_tallies() const {
  std::lock_guard lock(tally_mutex_);
  return {training_, evaluation_};
}

void ErrorNode::restore_tallies(const ScoreTally& training, const ScoreTally& evaluation) {
  std::lock_guard lock(tally_mutex_);
  training_ = training;
  evaluation_ = evaluation;
}

}  // namespace pepita
