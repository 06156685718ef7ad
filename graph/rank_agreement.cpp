#include "graph/rank_agreement.hpp"

#include <span>
#include <vector>

#include "graph/wire_format.hpp"

namespace pepita {

namespace {

std::string text_of(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& error) {
    const std::string text = error.what();
    return text.empty() ? "an error without a message" : text;
  } catch (...) {
    return "an error that is not a std::exception";
  }
}

}  // namespace

std::optional<RankProblem> first_problem_across_ranks(RemoteLink& link, const std::string& problem) {
  RankProblem first;
  for (int rank = 0; rank < link.ranks(); ++rank) {
    ByteWriter mine;
    if (link.rank() == rank) mine.put_array(std::span<const char>(problem));
    const std::vector<std::byte> report = link.to_root(rank, mine.take());
    if (!link.is_root() || first.rank >= 0) continue;
    const std::vector<char> text = ByteReader(report).get_array<char>();
    if (!text.empty()) first = {rank, std::string(text.begin(), text.end())};
  }
  ByteWriter verdict;
  if (link.is_root()) {
    verdict.put(first.rank);
    verdict.put_array(std::span<const char>(first.text));
  }
  const std::vector<std::byte> bytes = link.bytes_from_root(verdict.take());
  ByteReader in(bytes);
  first.rank = in.get<int>();
  const std::vector<char> text = in.get_array<char>();
  if (first.rank < 0) return std::nullopt;
  first.text.assign(text.begin(), text.end());
  return first;
}

void settle_across_ranks(RemoteLink& link, const std::exception_ptr& failure) {
  const std::optional<RankProblem> first = first_problem_across_ranks(link, failure ? text_of(failure) : "");
  if (!first) return;
  if (link.is_root() && failure) std::rethrow_exception(failure);
  const std::string line = "rank " + std::to_string(first->rank) + ": " + first->text;
  throw RemoteFailure(link.is_root() ? line : "the job stopped: " + line);
}

}  // namespace pepita
