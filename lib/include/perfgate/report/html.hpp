// perfgate/report/html.hpp - One self-contained HTML page over any number of runs.
//
// The page opens offline: styles, charts (inline SVG) and its one small script are in the file.
// It starts with an index of the runs (failed first) and then, per scenario: the verdict, the
// thresholds table (measured, limit, samples, ✓/✗, tier), the latency percentile distribution
// (HDR-style, percentile on a log scale), throughput, p95 and errors per second over the run, the
// errors by kind, every metric's statistics with its sample count, and the run's context.
#pragma once

#include <string>
#include <vector>

#include "perfgate/metrics/run_result.hpp"

namespace perfgate::report {

// The page for `runs` (in any order). `title` heads the page.
std::string html_report(const std::vector<metrics::RunResult>& runs,
                        const std::string& title = "perfgate report");

}  // namespace perfgate::report
