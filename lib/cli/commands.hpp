// commands.hpp - The command-line tool's commands (internal to the tool). Each takes the
// arguments after its name and returns the exit status: 0 success, 1 a failed gate or a
// regression, 2 bad input.
#pragma once

#include <string>
#include <vector>

namespace perfgate::cli {

int report_command(const std::vector<std::string>& args);
int compare_command(const std::vector<std::string>& args);
// `perfgate calibrate RESULTS...`: each rule's tiers proposed from three or more runs' spread.
int calibrate_command(const std::vector<std::string>& args);
// `perfgate benchmark --program BIN --table FILE`: a Google Benchmark program run and judged.
int benchmark_command(const std::vector<std::string>& args);
// `perfgate http URL`: keep-alive load on one URL, closed loop or at a fixed rate.
int http_command(const std::vector<std::string>& args);

}  // namespace perfgate::cli
