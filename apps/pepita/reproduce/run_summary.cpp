#include "run_summary.hpp"

// property_tree includes boost/bind.hpp, which otherwise prints a deprecation note in every build.
#define BOOST_BIND_GLOBAL_PLACEHOLDERS
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <stdexcept>

namespace pepita::cli::reproduce {

namespace {

using boost::property_tree::ptree;

Distribution summary_distribution(const ptree& node) {
  return {.mean = node.get<double>("mean"), .p50 = node.get<double>("p50"), .p99 = node.get<double>("p99"),
          .max = node.get<double>("max")};
}

}  // namespace

RunSummary read_run_summary(const std::filesystem::path& summary_json) {
  try {
    ptree root;
    boost::property_tree::read_json(summary_json.string(), root);
    RunSummary summary{.samples_per_second = root.get<double>("samples_per_second"),
                       .test_accuracy = root.get<double>("test_accuracy")};
    // A JSON array is a list of children with empty keys.
    for (const auto& [unnamed, layer] : root.get_child("scheduler_metrics.layers"))
      summary.layers.push_back({.name = layer.get<std::string>("name"),
                                .latency_seconds = summary_distribution(layer.get_child("locking_latency_seconds")),
                                .latency_stages = summary_distribution(layer.get_child("locking_latency_stages")),
                                .staleness = summary_distribution(layer.get_child("staleness")),
                                .peak_soma_bytes = layer.get<double>("peak_soma_bytes"),
                                .peak_dendrite_bytes = layer.get<double>("peak_dendrite_bytes"),
                                .peak_stash_bytes = layer.get<double>("peak_stash_bytes")});
    if (summary.layers.empty()) throw std::runtime_error("no layers in scheduler_metrics");
    return summary;
  } catch (const boost::property_tree::ptree_error& e) {
    throw std::runtime_error(summary_json.string() + ": not a run summary: " + e.what());
  }
}

}  // namespace pepita::cli::reproduce
