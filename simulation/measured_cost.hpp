#pragma once
// The `measured` cost model: visit times that `pepita calibrate` measured on a real machine,
// per visit shape, saved as JSON and loaded with --profile FILE.
//
// The profile (format version 2), one object:
//   {
//     "format": "pepita visit profile",
//     "version": 2,
//     "machine": "2 cores, AMD EPYC 7B13",        cores and CPU model (train/reports.hpp)
//     "dnnl_isa": "avx2",                          the instruction set oneDNN's kernels may use
//     "dnnl_threads": 2,                           OpenMP threads per primitive while measuring
//     "calibrated": "rule pepita, scheduler …",    the configuration it was measured under
//     "visits": {
//       "pepita dense 784x1024 hidden standard rows=64":
//         {"mean_seconds": 0.000131, "median_seconds": 0.000123, "spread_seconds": 0.0000041, "repeats": 90},
//       "pepita host round": {…},              the host's start and drain of one training call
//       "pepita host flush rows=256": {…},     GPipe's flush of that many samples' updates
//       "pepita host handoff": {…},            a message's hand-over from one visit to the next
//       …
//     }
//   }
// mean_seconds and median_seconds are the mean and median host time of one visit of that shape,
// spread_seconds the interquartile range of those times, repeats how many timed visits they are
// over. The clock charges the mean: a run's time is the sum of its visits', slow ones included
// (version 1 had medians only, and predicted 4-deep DFA 1.5x too fast: its visits' tails, a
// preempted or cache-cold visit, added a third to the sum). The reader is
// strict: every field once and nothing else, so that a hand-edited profile with a typo is refused
// instead of silently read as something else; "format" and "version" come first, so that a later
// version is refused by its number before anything it added is met.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "simulation/cost_model.hpp"

namespace pepita {

// What a visit's time depends on, as the profile's key: the rule, the node's kind and shape, its
// role, the pass and the batch's rows, e.g. "pepita dense 784x1024 hidden modulated rows=64".
//   rule    the registered rule's name: rules differ in arithmetic that no shape shows (what the
//           input and the soma keep, feedback weights, the activities' layouts). Throws std::invalid_argument for a rule
//           that is not registered, since no profile can name it.
//   shape   input N · dense IxO · conv CxHxW-fFkKsSpP · pool CxHxW-wWsS · error N · projection NxM
//           (an image that is not square shows its pixel count: CxNpx). Only shapes: the same
//           layer in two models has one key, wherever it sits.
//   role    layers: hidden or output; "feeds-pool" for a convolution whose activity a pool reads
//           (with the rule, that decides the activity's layout); "sends-down" where the rule's reaction
//           computes the gradient at the layer's input (BP's first layer does not); "defers-update"
//           for a split backward's B visit, whose weight gradient is its "weight" visit's.
// Left out, because they change no shape: η, momentum, the dropout rate, seeds, PEPITA's options,
// and the scheduler's weight policy (a stash copies W in the standard visit; the profile's
// "calibrated" line says which scheduler it was measured under).
std::string visit_key(const GraphTopology& topology, int node, Pass pass, int rows);
// The keys of the host's own steps (CostModel::round_seconds, flush_seconds, handoff_seconds):
// "pepita host round", "pepita host flush rows=256", "pepita host handoff". A profile without
// them predicts no host time.
std::string round_key(const GraphTopology& topology);
std::string flush_key(const GraphTopology& topology, int rows);
std::string handoff_key(const GraphTopology& topology);

// One visit shape's measured host time.
struct VisitTiming {
  double mean_seconds = 0;
  double median_seconds = 0;
  double spread_seconds = 0;  // interquartile range of the timed visits
  std::int64_t repeats = 0;   // timed visits
};

// A profile's contents (the format above).
struct Profile {
  static constexpr int format_version = 2;
  std::string machine;
  std::string dnnl_isa;
  int dnnl_threads = 0;
  std::string calibrated;
  std::map<std::string, VisitTiming> visits;  // by visit_key
};

// The profile as the JSON text above.
std::string profile_json(const Profile& profile);
// Reads that text. Throws std::runtime_error with a one-line message naming the problem and where
// it is ("line 3, column 7: expected ':'"); the caller adds the file.
Profile parse_profile(std::string_view text);

class MeasuredCost final : public CostModel {
 public:
  // `source` names the profile in error messages.
  MeasuredCost(Profile profile, std::filesystem::path source);
  // Throws std::runtime_error with a one-line message naming the file and the problem.
  static std::shared_ptr<const MeasuredCost> load(const std::filesystem::path& profile);
  // Throws std::invalid_argument naming the visit shape the profile lacks.
  double visit_seconds(const GraphTopology& topology, int node, Pass pass, int rows) const override;
  double round_seconds(const GraphTopology& topology) const override;
  double flush_seconds(const GraphTopology& topology, int rows) const override;
  double handoff_seconds(const GraphTopology& topology) const override;
  int dnnl_threads() const { return profile_.dnnl_threads; }
  const Profile& profile() const { return profile_; }

 private:
  double median_or_zero(const std::string& key) const;

  std::filesystem::path file_;
  Profile profile_;
};

}  // namespace pepita
