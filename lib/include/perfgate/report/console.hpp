// perfgate/report/console.hpp - The end-of-scenario summary printed to the terminal.
#pragma once

#include <string>

#include "perfgate/metrics/run_result.hpp"

namespace perfgate::report {

// A plain-text summary: a heading with the run's size, a table of metrics (count, avg, p50, p90,
// p95, p99, max), the threshold rules (measured, limit, samples, pass mark, tier) and the errors
// by kind. Every figure is in the metric's unit and says how many samples it rests on.
std::string console_summary(const metrics::RunResult& result);

// One line per failed rule, e.g. "\n  latency p(95) = 350.00ms, limit <= 300.00ms (tier none, 1234
// samples)": what a suite's GoogleTest failure and `perfgate check` say about a failed run.
std::string describe_failures(const metrics::RunResult& result);

}  // namespace perfgate::report
