#pragma once
// A step between the graph's runs that can fail on one rank alone: building its layers (their
// memory is this rank's), making its checkpoint directory on its machine, saving its checkpoint
// part. Every rank calls the agreement at the same point, and either every rank goes on or every
// rank stops, so that no rank waits on one that gave up and the job never hangs.
#include <exception>
#include <optional>
#include <string>
#include <utility>

#include "graph/remote_link.hpp"

namespace pepita {

struct RankProblem {
  int rank = -1;
  std::string text;
};

// Each rank's `problem` ("" for none) to the root, and the first by rank back to every rank;
// nothing when no rank has one.
std::optional<RankProblem> first_problem_across_ranks(RemoteLink& link, const std::string& problem);

// After this rank's step ended with `failure` (null if it succeeded): returns if no rank failed,
// else throws on every rank. The root rethrows its own failure, or throws a RemoteFailure naming
// the first rank that failed ("rank 2: …"): the job's one line. The other ranks throw a
// RemoteFailure, which they do not print (apps/pepita/cli.cpp).
void settle_across_ranks(RemoteLink& link, const std::exception_ptr& failure);

// `step()` on this rank, agreed across ranks as above; its result on success.
template <class Step>
auto agreed_across_ranks(RemoteLink& link, Step&& step) {
  std::optional<decltype(step())> result;
  std::exception_ptr failure;
  try {
    result.emplace(step());
  } catch (...) {
    failure = std::current_exception();
  }
  settle_across_ranks(link, failure);
  return std::move(*result);
}

}  // namespace pepita
