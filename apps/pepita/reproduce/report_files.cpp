#include "report_files.hpp"

#include <chrono>
#include <ctime>
#include <sstream>
#include <utility>
#include <vector>

#include "train/reports.hpp"

namespace pepita::cli::reproduce {

namespace {

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  return text;
}

std::string runs_text(const ExperimentReport& report, const ReproduceSettings& settings, std::size_t runs) {
  return std::to_string(runs) + " training runs (in `runs/`), " +
         report.run_length.value_or("each " + std::to_string(settings.epochs_per_run()) + " epochs") + ".";
}

std::string quick_warning(const ReproduceSettings& settings) {
  if (!settings.quick) return "";
  return "> **--quick**: every run trains on a few batches per epoch and is evaluated on a few test batches. This "
         "checks that the pipeline works; its numbers are not a reproduction and are not comparable with the paper's.\n\n";
}

constexpr const char* paper = "Dellaferrera & Kreiman, ICML 2022";

}  // namespace

std::string made_by_line(const ReproduceSettings& settings) {
  return "Made by `" + settings.command_line + "` on " + describe_machine() + ", pepita " + PEPITA_VERSION + ", " +
         utc_now() + ".";
}

WrittenReport write_report(const std::string& name, const ExperimentReport& report, const ReproduceSettings& settings,
                           const std::string& made_by, std::size_t runs) {
  const std::filesystem::path base = settings.out_dir / name;
  const std::filesystem::path md = base.string() + ".md", csv = base.string() + ".csv";
  // The figures first: the markdown points at them, so it should not exist before they do.
  draw_figure(report.figure, base);
  WrittenReport written{.files = {md, csv, base.string() + ".svg", base.string() + ".png"}, .name = name, .title = report.title};
  std::vector<std::pair<std::string, std::string>> figures{{report.figure.title, name}};  // title, file stem
  for (const ExtraFigure& extra : report.more_figures) {
    const std::string extra_name = name + "-" + extra.suffix;
    draw_figure(extra.figure, settings.out_dir / extra_name);
    written.files.push_back(settings.out_dir / (extra_name + ".svg"));
    written.files.push_back(settings.out_dir / (extra_name + ".png"));
    figures.emplace_back(extra.figure.title, extra_name);
  }
  // The body links its figures and data relative to the document that holds it: NAME.md sits
  // beside them in DIR, the collection may sit elsewhere (--collection).
  const auto body_linked_from = [&](const std::string& to_out_dir) {
    std::string body = report.markdown.str();
    for (const auto& [title, stem] : figures) body += "\n![" + title + "](" + to_out_dir + stem + ".svg)\n";
    return body + "\nData: [" + name + ".csv](" + to_out_dir + name + ".csv).\n";
  };
  written.section = "`pepita reproduce " + name + "`: " + runs_text(report, settings, runs) + "\n\n" +
                    body_linked_from(settings.out_dir_from_collection());
  write_file_atomically(csv, report.csv.str());
  write_file_atomically(md, "# " + report.title + "\n\n" + made_by + " " + runs_text(report, settings, runs) +
                                " Paper: " + paper + ".\n\n" + quick_warning(settings) + body_linked_from(""));
  return written;
}

std::filesystem::path write_collection(const std::vector<WrittenReport>& reports, const ReproduceSettings& settings,
                                       const std::string& made_by, std::size_t runs) {
  std::ostringstream md;
  md << "# Reproducing " << paper << "\n\n"
     << made_by << " " << runs << " training runs in all; the experiments share the runs they have in "
     << "common. Each section is also a file of its own (`" << settings.out_dir_from_collection() << "NAME.md`, with "
     << "its data in `" << settings.out_dir_from_collection() << "NAME.csv`).\n\n"
     << quick_warning(settings);
  for (const WrittenReport& report : reports) md << "- [" << report.title << "](#" << report.name << ")\n";
  // Explicit anchors: the titles hold characters (·, ±, :) that markdown renderers slug differently.
  for (const WrittenReport& report : reports)
    md << "\n<a id=\"" << report.name << "\"></a>\n\n## " << report.title << "\n\n" << report.section;
  write_file_atomically(settings.collection_file, md.str());
  return settings.collection_file;
}

}  // namespace pepita::cli::reproduce
