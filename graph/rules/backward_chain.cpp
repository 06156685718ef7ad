#include "graph/rules/backward_chain.hpp"

#include "graph/layer_visit.hpp"

namespace pepita {

RuleEdges BackwardChain::edges(int layers) const {
  RuleEdges edges;
  edges.error_to_layers = {layers - 1};
  edges.gradients_down = true;
  return edges;
}

// The first layer sends nothing down, so it needs no B.
FeedbackWeights BackwardChain::feedback_weights(const LayerPlace& place) const {
  return carrier_ == Carrier::fixed_feedback && place.index > 0 ? FeedbackWeights::transport : FeedbackWeights::none;
}

// The reaction is the contract, and learn() follows it: what it sends is what reaction() says.
void BackwardChain::learn(LayerVisit& visit) const {
  const LayerReaction reacts = reaction(visit.pass(), visit.place(), visit.graph().flow.backward);
  if (!reacts.takes) visit.reject();
  if (visit.pass() == Pass::weight) return update(visit, visit.incoming());  // W: the term its B visit made
  // At the output, e is already the gradient at the pre-activation (softmax with cross-entropy).
  const TensorHandle term =
      visit.is_output() ? visit.incoming_handle() : visit.through_derivative(visit.copy_of(visit.incoming()));
  if (reacts.down) {  // before the update: through the weights this batch's standard pass used
    if (carrier_ == Carrier::weights) visit.send_down_through_weights(*term);
    else visit.send_down_through_feedback(*term);
  }
  if (reacts.sends_to_self()) visit.send_to_self(reacts.to_self, term);
  else update(visit, *term);
}

void BackwardChain::update(LayerVisit& visit, const Tensor& term) const {
  visit.update(term, *visit.standard().presynaptic, visit.learning_rate() / float(visit.batch().rows()),
               Normalisation::batch_mean);
}

LayerReaction BackwardChain::reaction(Pass pass, const LayerPlace& place, BackwardVisits backward) const {
  const bool split = backward == BackwardVisits::split;
  if (split && pass == Pass::weight) return {.takes = true, .updates = true};
  if (pass != (place.is_output() ? Pass::error : Pass::backward)) return {};
  return {.takes = true,
          .updates = !split,
          .up = Pass::evaluate,
          .down = place.index > 0,
          .to_self = split ? Pass::weight : Pass::evaluate};
}

}  // namespace pepita
