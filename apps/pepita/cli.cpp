#include "cli.hpp"

#include <algorithm>
#include <new>

#include <sstream>

#include <boost/program_options/errors.hpp>

#include "graph/remote_link.hpp"
#include "train/checkpoint.hpp"
#include "mpi_job.hpp"


namespace pepita::cli {

namespace {

constexpr const char* usage =
    "usage: pepita <command> [options]\n"
    "\n"
    "Trains neural networks with PEPITA (two forward passes, no backward pass) as a oneTBB flow graph.\n"
    "\n"
    "commands:\n"
    "  train   train a network and report test accuracy per epoch\n"
    "  info    print a data set's summary (counts, shape, classes, pixel statistics)\n"
    "  fetch   download a data set from its official source and verify it\n"
    "  inspect print what a checkpoint (train --checkpoint-dir) holds\n"
    "  compare train a matrix of rules × schedulers × depths × batch sizes briefly; report\n"
    "          throughput, accuracy, update-locking latency and staleness\n"
    "  schedule print the schedule a configuration implies under unit cost (train's options)\n"
    "  calibrate measure each node visit's time on this machine for the virtual clock's measured\n"
    "          cost (train's options; writes a profile)\n"
    "  reproduce run a table or figure of the PEPITA paper (table1, curves, norms, alignment,\n"
    "          slowness, ablations, weights, whitening, tsne; schedulers, deep; all) over seeds as\n"
    "          child train runs; write it beside the paper's values as markdown, CSV, SVG and PNG\n"
    "\n"
    "  pepita <command> --help   options of a command\n"
    "  pepita --version          the version\n";

int dispatch(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) throw UsageError("no command given (try 'pepita --help')");
  const std::string& command = args.front();
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "--help" || command == "-h" || command == "help") {
    out << usage;
    return exit_ok;
  }
  // --version answers at every level: `pepita --version`, `pepita train --version`, …
  if (std::find(args.begin(), args.end(), "--version") != args.end()) {
    out << "pepita " << PEPITA_VERSION << '\n';
    return exit_ok;
  }
  if (command == "train") return train_command(rest, out, err);
  if (command == "info") return info_command(rest, out, err);
  if (command == "fetch") return fetch_command(rest, out, err);
  if (command == "inspect") return inspect_command(rest, out, err);
  if (command == "compare") return compare_command(rest, out, err);
  if (command == "schedule") return schedule_command(rest, out, err);
  if (command == "calibrate") return calibrate_command(rest, out, err);
  if (command == "reproduce") return reproduce_command(rest, out, err);
  throw UsageError("unknown command '" + command + "' (commands: train, info, fetch, inspect, compare, schedule, calibrate, reproduce)");
}

}  // namespace

// In a job of several ranks, a rank other than the root keeps its error line until it knows the
// error: its own is printed with its rank; another rank's failure is not, since the root prints
// that one, named, once, and neither is a usage or checkpoint error, which every rank meets alike. Its other
// output (warnings) is kept back too.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err_stream) {
  const MpiJob* job = current_job();
  const bool other_rank = job && job->spans_ranks() && !job->is_root();
  std::ostringstream held;
  std::ostream& err = other_rank ? static_cast<std::ostream&>(held) : err_stream;
  const auto finish = [&](int status, const std::exception* error) {
    // A usage error is every rank's alike, and the root prints it.
    // So is a checkpoint's problem: every rank reads the same manifest, and the ranks agree on
    // every step one rank alone can fail (train/rank_checkpoint.hpp), so the root prints it.
    if (other_rank && error && status != exit_usage && !dynamic_cast<const RemoteFailure*>(error) &&
        !dynamic_cast<const CheckpointError*>(error)) {
      std::string line = held.str();
      const std::string prefix = "pepita: ";
      if (line.rfind(prefix, 0) == 0) line.insert(prefix.size(), "rank " + std::to_string(job->rank()) + ": ");
      err_stream << line << std::flush;
    }
    return status;
  };
  try {
    return finish(dispatch(args, out, err), nullptr);
  } catch (const UsageError& e) {
    err << "pepita: " << e.what() << '\n';
    return finish(exit_usage, &e);
  } catch (const std::invalid_argument& e) {  // a configuration no run can use
    err << "pepita: " << e.what() << '\n';
    return finish(exit_usage, &e);
  } catch (const boost::program_options::error& e) {
    err << "pepita: " << e.what() << '\n';
    return finish(exit_usage, &e);
  } catch (const std::bad_alloc& e) {  // past the graph's up-front estimate: activity for a huge batch, say
    err << "pepita: out of memory: the run needs more than this machine has free (try a smaller --hidden, "
           "--batch-size or --eval-batch-size)\n";
    return finish(exit_failure, &e);
  } catch (const std::exception& e) {  // bad data, divergence, I/O, another rank's failure
    err << "pepita: " << e.what() << '\n';
    return finish(exit_failure, &e);
  }
}

}  // namespace pepita::cli
