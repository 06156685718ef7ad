// The measured cost model: visit keys name shapes (so models that share a layer share its time),
// profiles read back exactly what was written, and every problem with a profile is one line that
// names the file.
#include "simulation/measured_cost.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <initializer_list>
#include <limits>
#include <string_view>

#include "graph/model_spec.hpp"
#include "graph/rule_registry.hpp"
#include "tests/data/data_files.hpp"

namespace pepita {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

constexpr ImageShape mnist{1, 28, 28};
constexpr int mnist_classes = 10;

// A topology as the graph would have it, for a model spec on MNIST's shape.
struct Model {
  Model(const std::string& spec, const RuleChoice& rule)
      : topology(parse_model_spec(spec, mnist, mnist_classes), mnist, mnist_classes, *rule) {}
  std::string key(int node, Pass pass, int rows = 64) const { return visit_key(topology, node, pass, rows); }
  GraphTopology topology;
};

fs::path write_text(const fs::path& file, std::string_view text) {
  std::ofstream out(file, std::ios::binary);
  out.write(text.data(), std::streamsize(text.size()));
  REQUIRE(out.good());
  return file;
}

// A profile as a person would read it in the file: the format pinned down field by field.
constexpr std::string_view good_profile = R"({
  "format": "pepita visit profile",
  "version": 2,
  "machine": "2 cores, Test CPU \"quoted\" \\ \u00e9",
  "dnnl_isa": "avx2",
  "dnnl_threads": 2,
  "calibrated": "rule pepita, scheduler sequential",
  "visits": {
    "pepita input 784 standard rows=64": {"mean_seconds": 2e-06, "median_seconds": 1.5e-06, "spread_seconds": 0, "repeats": 12},
    "pepita dense 784x32 hidden standard rows=64": {"repeats": 9, "median_seconds": 0.000125, "mean_seconds": 0.00013, "spread_seconds": 2.5E-6},
    "pepita host round": {"mean_seconds": 4e-05, "median_seconds": 3e-05, "spread_seconds": 0, "repeats": 3},
    "pepita host flush rows=256": {"mean_seconds": 5e-05, "median_seconds": 5e-05, "spread_seconds": 0, "repeats": 3},
    "pepita host handoff": {"mean_seconds": 1e-06, "median_seconds": 5e-07, "spread_seconds": 0, "repeats": 30}
  }
}
)";

// Loading `text` from a file fails with a one-line runtime_error naming the file and each of `parts`.
void check_load_fails(std::string_view text, std::initializer_list<std::string_view> parts) {
  const TempDir dir;
  const fs::path file = write_text(dir / "profile.json", text);
  const std::string message = testing::one_line_error<std::runtime_error>([&] { MeasuredCost::load(file); }, file);
  for (std::string_view part : parts) CHECK_MESSAGE(message.find(part) != std::string::npos, "missing '", part, "' in: ", message);
}

// good_profile with `from` replaced by `to` (once; it must be there).
std::string edited(std::string_view from, std::string_view to) {
  std::string text(good_profile);
  const std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

TEST_CASE("measured cost: a visit's key names its rule, shape, role, pass and rows") {
  const Model fc("fc32-fc10", "pepita");
  CHECK(fc.key(0, Pass::standard) == "pepita input 784 standard rows=64");
  CHECK(fc.key(0, Pass::feedback) == "pepita input 784 feedback rows=64");
  CHECK(fc.key(1, Pass::modulated) == "pepita dense 784x32 hidden modulated rows=64");
  CHECK(fc.key(2, Pass::standard, 32) == "pepita dense 32x10 output standard rows=32");
  CHECK(fc.key(3, Pass::standard) == "pepita error 10 standard rows=64");
  CHECK(fc.key(4, Pass::error) == "pepita projection 10x784 error rows=64");

  const Model conv("conv8k5-pool2-fc10", "pepita");
  CHECK(conv.key(1, Pass::standard) == "pepita conv 1x28x28-f8k5s1p0 hidden feeds-pool standard rows=64");
  CHECK(conv.key(2, Pass::modulated) == "pepita pool 8x24x24-w2s2 modulated rows=64");
  CHECK(conv.key(3, Pass::standard) == "pepita dense 1152x10 output standard rows=64");
}

TEST_CASE("measured cost: models that share a layer's shape share its key, and only then") {
  const Model small("fc32-fc10", "pepita"), deep("fc32-fc16-fc10", "pepita");
  for (Pass pass : {Pass::standard, Pass::modulated}) {
    CHECK(small.key(1, pass) == deep.key(1, pass));  // 784x32, hidden, in both
    CHECK(small.key(2, pass) != deep.key(3, pass));  // outputs of 32 and 16 inputs
  }
  CHECK(small.key(0, Pass::feedback) == deep.key(0, Pass::feedback));
  CHECK(small.key(small.topology.error_node(), Pass::standard) == deep.key(deep.topology.error_node(), Pass::standard));

  const Model conv_small("conv8k5-pool2-fc10", "pepita"), conv_deep("conv8k5-pool2-fc16-fc10", "pepita");
  CHECK(conv_small.key(1, Pass::modulated) == conv_deep.key(1, Pass::modulated));
  CHECK(conv_small.key(2, Pass::standard) == conv_deep.key(2, Pass::standard));
  // A convolution no pool reads writes its activity in another layout: another key.
  const Model conv_alone("conv8k5-fc10", "pepita");
  CHECK(conv_alone.key(1, Pass::standard) == "pepita conv 1x28x28-f8k5s1p0 hidden standard rows=64");

  // The same shape as a hidden and as an output layer does different work.
  CHECK(Model("fc10-fc10", "pepita").key(1, Pass::standard) != Model("fc10", "pepita").key(1, Pass::standard));
  // Other rules, rows or passes: other keys.
  CHECK(Model("fc32-fc10", "bp").key(1, Pass::standard) != small.key(1, Pass::standard));
  CHECK(small.key(1, Pass::standard, 64) != small.key(1, Pass::standard, 32));
  CHECK(small.key(1, Pass::standard) != small.key(1, Pass::modulated));
}

TEST_CASE("measured cost: a layer that sends the gradient down has its own key") {
  // BP's first layer has nowhere to send the gradient at its input and does not compute it.
  const Model bp("fc32-fc32-fc32-fc10", "bp");
  CHECK(bp.key(1, Pass::backward) == "bp dense 784x32 hidden backward rows=64");
  CHECK(bp.key(2, Pass::backward) == "bp dense 32x32 hidden sends-down backward rows=64");
  CHECK(bp.key(2, Pass::backward) == bp.key(3, Pass::backward));
  CHECK(bp.key(4, Pass::error) == "bp dense 32x10 output sends-down error rows=64");
  CHECK(Model("fc10", "bp").key(1, Pass::error) == "bp dense 784x10 output error rows=64");
}

TEST_CASE("measured cost: a split backward's B and W visits have keys of their own") {
  // The B visit leaves the weight gradient to the W visit, so it does less than a joined one.
  const GraphTopology split(parse_model_spec("fc32-fc32-fc10", mnist, mnist_classes), mnist, mnist_classes, *RuleChoice("bp"),
                            BackwardVisits::split);
  CHECK(visit_key(split, 2, Pass::backward, 64) == "bp dense 32x32 hidden sends-down defers-update backward rows=64");
  CHECK(visit_key(split, 3, Pass::error, 64) == "bp dense 32x10 output sends-down defers-update error rows=64");
  CHECK(visit_key(split, 2, Pass::weight, 64) == "bp dense 32x32 hidden weight rows=64");
  CHECK(visit_key(split, 2, Pass::backward, 64) != Model("fc32-fc32-fc10", "bp").key(2, Pass::backward));
}

TEST_CASE("measured cost: a profile loads, each visit costs its mean, and the host's steps theirs") {
  const TempDir dir;
  const fs::path file = write_text(dir / "profile.json", good_profile);
  const std::shared_ptr<const MeasuredCost> cost = MeasuredCost::load(file);
  CHECK(cost->dnnl_threads() == 2);
  CHECK(cost->profile().machine == "2 cores, Test CPU \"quoted\" \\ \xc3\xa9");
  CHECK(cost->profile().dnnl_isa == "avx2");
  CHECK(cost->profile().calibrated == "rule pepita, scheduler sequential");
  REQUIRE(cost->profile().visits.size() == 5);
  const VisitTiming& dense = cost->profile().visits.at("pepita dense 784x32 hidden standard rows=64");
  CHECK(dense.mean_seconds == 0.00013);
  CHECK(dense.median_seconds == 0.000125);
  CHECK(dense.spread_seconds == 2.5e-6);
  CHECK(dense.repeats == 9);

  const Model fc("fc32-fc10", "pepita");
  CHECK(cost->visit_seconds(fc.topology, 0, Pass::standard, 64) == 2e-6);
  CHECK(cost->visit_seconds(fc.topology, 1, Pass::standard, 64) == 0.00013);
  // Another model with the same first layer reads the same time.
  CHECK(cost->visit_seconds(Model("fc32-fc64-fc10", "pepita").topology, 1, Pass::standard, 64) == 0.00013);
  CHECK(cost->round_seconds(fc.topology) == 4e-5);
  CHECK(cost->flush_seconds(fc.topology, 256) == 5e-5);
  CHECK(cost->handoff_seconds(fc.topology) == 1e-6);
  // A flush of a size it never timed, or another rule's host steps, cost nothing: none were measured.
  CHECK(cost->flush_seconds(fc.topology, 128) == 0);
  CHECK(cost->round_seconds(Model("fc32-fc10", "bp").topology) == 0);
}

TEST_CASE("measured cost: profile_json reads back exactly") {
  Profile profile{.machine = "8 cores, \"Some\" CPU\twith a tab\nand a newline",
                  .dnnl_isa = "avx512_core",
                  .dnnl_threads = 8,
                  .calibrated = "rule bp, scheduler gpipe:4",
                  .visits = {{"bp dense 784x1024 hidden standard rows=64", {0.7 / 3.0, 0.1 + 0.2, 1.0 / 3.0, 90}},
                             {"bp error 10 error rows=7", {0, std::numeric_limits<double>::denorm_min(), 0, 1}},
                             {"bp dense 1024x10 output sends-down error rows=64", {1e-5, 12345.678e-9, 2e-300, 1 << 30}}}};
  const TempDir dir;
  const fs::path file = write_text(dir / "p.json", profile_json(profile));
  const Profile read = MeasuredCost::load(file)->profile();
  CHECK(read.machine == profile.machine);
  CHECK(read.dnnl_isa == profile.dnnl_isa);
  CHECK(read.dnnl_threads == profile.dnnl_threads);
  CHECK(read.calibrated == profile.calibrated);
  REQUIRE(read.visits.size() == profile.visits.size());
  for (const auto& [key, timing] : profile.visits) {
    CAPTURE(key);
    REQUIRE(read.visits.count(key) == 1);
    CHECK(read.visits.at(key).mean_seconds == timing.mean_seconds);
    CHECK(read.visits.at(key).median_seconds == timing.median_seconds);
    CHECK(read.visits.at(key).spread_seconds == timing.spread_seconds);
    CHECK(read.visits.at(key).repeats == timing.repeats);
  }
}

TEST_CASE("measured cost: a missing or unreadable profile is one line naming the file") {
  const TempDir dir;
  const fs::path missing = dir / "missing.json";
  std::string message = testing::one_line_error<std::runtime_error>([&] { MeasuredCost::load(missing); });
  CHECK(message.starts_with(missing.string() + ": cannot open the profile"));
  message = testing::one_line_error<std::runtime_error>([&] { MeasuredCost::load(dir.path()); });
  CHECK(message.starts_with(dir.path().string() + ": is a directory"));
}

TEST_CASE("measured cost: a malformed profile is one line naming the file and the problem") {
  check_load_fails("", {"not a valid profile", "line 1, column 1", "'{'"});
  check_load_fails("[1, 2]", {"expected '{'"});
  check_load_fails(good_profile.substr(0, good_profile.size() / 2), {"line "});
  check_load_fails(std::string(good_profile) + "{}", {"unexpected text after the profile"});
  check_load_fails(edited("\"version\": 2", "\"version\": 3"), {"version 3 is not one this pepita reads (2)"});
  // Version 1 had medians only: its profiles are refused rather than read as means.
  check_load_fails(edited("\"version\": 2", "\"version\": 1"), {"version 1 is not one this pepita reads (2)"});
  check_load_fails(edited("pepita visit profile", "something else"), {"\"format\" is \"something else\""});
  check_load_fails(edited("\"dnnl_isa\"", "\"dnnl_ISA\""), {"unknown field \"dnnl_ISA\""});
  check_load_fails(edited("\"calibrated\"", "\"machine\""), {"\"machine\" is given twice"});
  check_load_fails(edited("\"dnnl_threads\": 2,", ""), {"\"dnnl_threads\" is missing"});
  check_load_fails(edited("\"dnnl_threads\": 2", "\"dnnl_threads\": 0"), {"dnnl_threads", "whole number from 1"});
  check_load_fails(edited("\"dnnl_threads\": 2", "\"dnnl_threads\": 2.5"), {"whole number"});
  check_load_fails(edited("1.5e-06", "-1.5e-06"), {"median_seconds", "finite number of seconds >= 0"});
  check_load_fails(edited("1.5e-06", "1e999"), {"median_seconds", "out of range"});
  check_load_fails(edited("1.5e-06", "01.5"), {"median_seconds", "must be a number"});
  check_load_fails(edited("1.5e-06", "NaN"), {"median_seconds", "must be a number"});
  check_load_fails(edited("1.5e-06", "\"1.5e-06\""), {"must be a number"});
  check_load_fails(edited("\"repeats\": 12", "\"repeats\": 0"), {"repeats", "whole number from 1"});
  check_load_fails(edited(", \"spread_seconds\": 0", ""), {"\"spread_seconds\" is missing in the visit \"pepita input 784 standard rows=64\""});
  check_load_fails(edited("\"mean_seconds\": 2e-06, ", ""), {"\"mean_seconds\" is missing in the visit \"pepita input 784 standard rows=64\""});
  check_load_fails(edited("\"repeats\": 12", "\"repeats\": 12, \"mean\": 1"), {"unknown field \"mean\" in the visit"});
  check_load_fails(edited("rows=64\": {\"repeats\": 9", "rows=64\": {\"repeats\": 9, \"repeats\": 9"), {"\"repeats\" is given twice"});
  check_load_fails(edited("dense 784x32 hidden", "input 784"), {"the visit \"pepita input 784 standard rows=64\" is given twice"});
  check_load_fails(edited("\"avx2\"", "\"avx2\\q\""), {"unknown escape"});
  check_load_fails(edited("\"avx2\"", "\"avx2\n\""), {"control character"});
  check_load_fails(edited("\"avx2\"", "\"\\ud800\""), {"surrogate"});
  check_load_fails(edited("\"repeats\": 12}", "\"repeats\": 12},"), {"expected a field name"});
  check_load_fails(R"({"format": "pepita visit profile", "version": 2, "machine": "m", "dnnl_isa": "i", "dnnl_threads": 1,
                      "calibrated": "c", "visits": {}})",
                   {"\"visits\" is empty"});
  check_load_fails(R"({"version": 1})", {"the profile must begin with \"format\""});
  // A later format may add anything after its version; the version is what it is refused by.
  check_load_fails(R"({"format": "pepita visit profile", "version": 3, "histograms": [1, 2]})", {"version 3"});
}

TEST_CASE("measured cost: a visit the profile lacks is one line naming it and the fix") {
  const TempDir dir;
  const fs::path file = write_text(dir / "profile.json", good_profile);
  const std::shared_ptr<const MeasuredCost> cost = MeasuredCost::load(file);
  const Model fc("fc32-fc10", "pepita");
  const std::string message = testing::one_line_error<std::invalid_argument>([&] { cost->visit_seconds(fc.topology, 1, Pass::modulated, 64); });
  CHECK(message.find(file.string()) != std::string::npos);
  CHECK(message.find("\"pepita dense 784x32 hidden modulated rows=64\"") != std::string::npos);
  CHECK(message.find("pepita calibrate") != std::string::npos);
  CHECK(message.find("same model, rule and batch size") != std::string::npos);
  // Another batch size is another visit shape.
  testing::one_line_error<std::invalid_argument>([&] { cost->visit_seconds(fc.topology, 1, Pass::standard, 32); });
}

}  // namespace
}  // namespace pepita
