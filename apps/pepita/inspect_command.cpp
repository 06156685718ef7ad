#include <zlib.h>

#include <bit>
#include <boost/program_options.hpp>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "cli.hpp"
#include "command_line.hpp"
#include "train/checkpoint.hpp"
#include "train/checkpoint_parts.hpp"
#include "train_options.hpp"

namespace po = boost::program_options;

namespace pepita::cli {

namespace {

// CRC-32 of the values' IEEE-754 bits, little-endian as in the file: equal CRCs for two runs'
// arrays mean bit-identical weights (barring a 1-in-4-billion collision).
std::uint32_t crc_of(const std::vector<float>& values) {
  std::string bytes;
  bytes.reserve(values.size() * 4);
  for (float value : values) {
    const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
    for (int shift = 0; shift < 32; shift += 8) bytes += char(bits >> shift);
  }
  return std::uint32_t(::crc32(::crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(bytes.data()), uInt(bytes.size())));
}

void indented(std::ostream& out, const std::string& text) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) out << "  " << line << '\n';
}

}  // namespace

// Prints what a checkpoint holds without loading any data: for people, and for scripts that
// compare two runs (tests/reliability/kill_and_resume.sh).
int inspect_command(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  po::options_description description("pepita inspect [options] DIR|FILE");
  const auto parsed = parse_command(args, description,
                                    "Prints a checkpoint's fingerprint, position, a CRC-32 per array, its counters (the history's per-epoch\n"
                                    "ones aside: see the metrics) and its configuration. DIR means DIR/checkpoint.pepita. A run across\n"
                                    "MPI ranks is read whole: its manifest and every rank's part beside it.",
                                    out, "checkpoint");
  if (!parsed) return exit_ok;
  const po::variables_map& vm = *parsed;
  if (!vm.count("checkpoint")) throw UsageError("inspect: name a checkpoint directory or file");
  std::filesystem::path file = vm["checkpoint"].as<std::string>();
  if (std::filesystem::is_directory(file)) file = checkpoint_file(file);
  const Checkpoint head = load_checkpoint(file);
  // A run across ranks reads as a whole: its manifest joined with every part beside it.
  const Checkpoint checkpoint = whole_checkpoint(head, file);

  out << "checkpoint " << file.string() << '\n';
  if (is_manifest(head)) {
    out << "parts";
    for (int rank = 0; rank < manifest_ranks(head, file); ++rank)
      out << ' ' << part_file(file.parent_path(), rank, manifest_generation(head)).filename().string();
    out << '\n';
  }
  out
      << "fingerprint " << checkpoint.fingerprint << '\n'
      << "position " << checkpoint.epoch << " epochs done, " << checkpoint.batch << " batches into the next, "
      << checkpoint.batches_total << " training batches in all\n";
  for (const auto& [name, values] : checkpoint.arrays) {
    char crc[16];
    std::snprintf(crc, sizeof crc, "%08x", crc_of(values));
    out << "array " << name << ' ' << values.size() << " values crc32 " << crc << '\n';
  }
  for (const auto& [name, value] : checkpoint.counters)
    if (!name.starts_with("history.")) out << "counter " << name << ' ' << value << '\n';
  out << "metrics\n";
  indented(out, checkpoint.metrics_csv);
  out << "configuration\n";
  indented(out, checkpoint.config_text);
  return exit_ok;
}

}  // namespace pepita::cli
