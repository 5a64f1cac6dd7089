// perfgate - The command-line tool over results files.
//
//   perfgate summary RESULTS.json...   print each run's console summary; exit 1 if any failed
//
// (report, compare, merge and check come with the reports and scale-out work.)
#include <iostream>
#include <string>
#include <vector>

#include "perfgate/core/error.hpp"
#include "perfgate/report/console.hpp"
#include "perfgate/report/results_file.hpp"

namespace {

constexpr const char* kUsage = R"(usage: perfgate <command> [args]
commands:
  summary RESULTS.json...   print the summary of each results file; exit 1 if any run failed
)";

int summary(const std::vector<std::string>& files) {
  if (files.empty()) {
    std::cerr << "perfgate summary: no results files given\n" << kUsage;
    return 2;
  }
  int status = 0;
  for (const std::string& file : files) {
    try {
      const auto result = perfgate::report::read_results(file);
      std::cout << perfgate::report::console_summary(result);
      if (!result.passed) status = 1;
    } catch (const std::exception& e) {
      std::cerr << "perfgate: " << e.what() << '\n';
      status = 2;
    }
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "summary") return summary({args.begin() + 1, args.end()});
  std::cerr << "perfgate: unknown command '" << args[0] << "'\n" << kUsage;
  return 2;
}
