// `pepita schedule`: the schedule a training configuration implies under unit cost, as torchgpipe's
// clock-cycle grid or as one line of actions per tick (schedulers/dry_run.hpp). It reads `pepita
// train`'s options through train's own parser, so that it shows the schedule of the very run those
// options make; it loads no data.
#include <algorithm>
#include <boost/program_options.hpp>

#include "cli.hpp"
#include "known_shapes.hpp"
#include "graph/model_spec.hpp"
#include "schedulers/dry_run.hpp"
#include "schedulers/scheduler_options.hpp"
#include "schedulers/scheduler_registry.hpp"
#include "train_options.hpp"

namespace po = boost::program_options;

namespace pepita::cli {

namespace {

po::options_description schedule_options() {
  po::options_description own("what to show");
  own.add_options()
      ("batches", po::value<int>()->value_name("N"), "training batches to schedule (default 4)")
      ("format", po::value<std::string>()->value_name("FORMAT"),
       "grid (a row per node, a column per tick; default) or actions (a line per tick)");
  return own;
}

}  // namespace

int schedule_command(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  const ConfigurationCommand command{
      .name = "schedule",
      .description = "Prints the schedule a training configuration implies when every node visit costs one tick: which node\n"
                     "takes which batch's message when (S standard, M modulated, E error, F feedback, B backward, W a split\n"
                     "backward's weight visit; S0 is batch 0's standard pass). Loads no data.",
      .own = schedule_options(),
      .shaping = {"dataset", "rule", "model", "hidden", "scheduler"},
      .caption = "what it is the schedule of"};
  po::variables_map vm;
  const std::optional<TrainRequest> parsed = parse_configuration_command(args, command, vm, out);
  if (!parsed) return exit_ok;
  const TrainRequest& request = *parsed;
  const int batches = vm.count("batches") ? vm["batches"].as<int>() : 4;
  if (batches < 1) throw UsageError("--batches must be at least 1");
  const std::string format = vm.count("format") ? vm["format"].as<std::string>() : "grid";
  if (format != "grid" && format != "actions") throw UsageError("--format: '" + format + "' is not one of: grid, actions");

  const TrainConfig& config = request.config;
  const KnownShape& shape = known_shape(config.dataset, "pepita schedule");
  const std::string spec = expand_model(config.model, config.hidden, shape.classes);
  const std::vector<StageSpec> stages = parse_model_spec(spec, shape.input, shape.classes);
  const std::unique_ptr<Scheduler> scheduler = make_scheduler(config.scheduler);
  const Schedule schedule = dry_run(stages, *config.rule, *scheduler, batches);
  out << "pepita schedule: rule " << config.rule.name() << ", scheduler " << scheduler_label(config.scheduler)
      << ", model " << dimensions(shape.input) << "-" << spec << ": " << batches << " batches in " << schedule.ticks
      << " ticks of unit cost\n"
      << (format == "grid" ? schedule_grid(schedule) : schedule_actions(schedule));
  return exit_ok;
}

}  // namespace pepita::cli
