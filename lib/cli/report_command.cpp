// report_command.cpp - `perfgate report`: results files into HTML, CSV, Prometheus and HDR logs.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "args.hpp"
#include "commands.hpp"
#include "perfgate/core/error.hpp"
#include "perfgate/report/console.hpp"
#include "perfgate/report/csv.hpp"
#include "perfgate/report/hdr_log.hpp"
#include "perfgate/report/html.hpp"
#include "perfgate/report/markdown.hpp"
#include "perfgate/report/prometheus.hpp"
#include "perfgate/report/results_file.hpp"

namespace perfgate::cli {

int report_command(const std::vector<std::string>& argv) {
  try {
    const Args args = parse_args(argv, {"--html", "--markdown", "--csv", "--prometheus-textfile",
                                        "--prometheus-push", "--hdr-log", "--title"});
    if (args.positional.empty()) throw std::invalid_argument("no results files or folders given");
    if (args.flags.empty() || (args.flags.size() == 1 && args.flag("--title")))
      throw std::invalid_argument(
          "say what to write: --html, --markdown, --csv, --prometheus-textfile, "
          "--prometheus-push or --hdr-log");
    // Everything is read first: a bad file stops the command before anything is written.
    const auto runs = report::read_all_results(args.positional);
    if (const std::string* file = args.flag("--html")) {
      const std::string title = args.flag("--title") ? *args.flag("--title") : "perfgate report";
      report::write_file_atomically(*file, report::html_report(runs, title));
      std::cout << fmt::format("html report ({} runs): {}\n", runs.size(), *file);
    }
    if (const std::string* file = args.flag("--markdown")) {
      const std::string title = args.flag("--title") ? *args.flag("--title") : "perfgate report";
      report::write_file_atomically(*file, report::markdown_report(runs, title));
      std::cout << fmt::format("markdown report ({} runs): {}\n", runs.size(), *file);
    }
    if (const std::string* dir = args.flag("--csv")) {
      report::write_csv(*dir, runs);
      const std::filesystem::path folder(*dir);
      std::cout << fmt::format("csv: {} {}\n", (folder / "stats.csv").lexically_normal().string(),
                               (folder / "stats_history.csv").lexically_normal().string());
    }
    if (const std::string* file = args.flag("--prometheus-textfile")) {
      report::write_prometheus_textfile(*file, runs);
      std::cout << fmt::format("prometheus textfile: {}\n", *file);
    }
    if (const std::string* file = args.flag("--hdr-log")) {
      report::write_hdr_log(*file, runs);
      std::cout << fmt::format("hdr interval log: {}\n", *file);
    }
    if (const std::string* url = args.flag("--prometheus-push")) {
      report::push_to_gateway(*url, runs);
      std::cout << fmt::format("pushed {} runs to the Pushgateway\n", runs.size());
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "perfgate report: " << e.what() << '\n';
    return 2;
  }
}

}  // namespace perfgate::cli
