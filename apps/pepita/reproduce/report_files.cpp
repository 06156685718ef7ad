#include "report_files.hpp"

#include <chrono>
#include <ctime>
#include <sstream>

#include "train/reports.hpp"

namespace pepita::cli::reproduce {

namespace {

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  return text;
}

std::string header(const ExperimentReport& report, const ReproduceSettings& settings, std::size_t runs) {
  std::ostringstream md;
  md << "# " << report.title << "\n\n"
     << "Made by `" << settings.command_line << "` on " << describe_machine() << ", pepita " << PEPITA_VERSION << ", "
     << utc_now() << ". " << runs << " training runs (in `runs/`), "
     << report.run_length.value_or("each " + std::to_string(settings.epochs_per_run()) + " epochs")
     << ". Paper: Dellaferrera & Kreiman, ICML 2022.\n\n";
  if (settings.quick)
    md << "> **--quick**: every run trains on a few batches per epoch and is evaluated on a few test batches. This "
          "checks that the pipeline works; its numbers are not a reproduction and are not comparable with the paper's.\n\n";
  return md.str();
}

}  // namespace

std::vector<std::filesystem::path> write_report(const std::string& name, const ExperimentReport& report,
                                                const ReproduceSettings& settings, std::size_t runs) {
  const std::filesystem::path base = settings.out_dir / name;
  const std::filesystem::path md = base.string() + ".md", csv = base.string() + ".csv";
  // The figures first: the markdown points at them, so it should not exist before they do.
  draw_figure(report.figure, base);
  std::vector<std::filesystem::path> written = {md, csv, base.string() + ".svg", base.string() + ".png"};
  std::string pictures = "\n![" + report.figure.title + "](" + name + ".svg)\n";
  for (const ExtraFigure& extra : report.more_figures) {
    const std::string extra_name = name + "-" + extra.suffix;
    draw_figure(extra.figure, settings.out_dir / extra_name);
    written.push_back(settings.out_dir / (extra_name + ".svg"));
    written.push_back(settings.out_dir / (extra_name + ".png"));
    pictures += "\n![" + extra.figure.title + "](" + extra_name + ".svg)\n";
  }
  write_file_atomically(csv, report.csv);
  write_file_atomically(md, header(report, settings, runs) + report.markdown + pictures + "\nData: [" + name +
                                ".csv](" + name + ".csv).\n");
  return written;
}

}  // namespace pepita::cli::reproduce
