// perfgate/report/hdr_log.hpp - HdrHistogram interval logs (`--hdr-log`).
//
// The log is HdrHistogram's own format (version 1.3), so its tools read it: HistogramLogProcessor,
// HistogramLogAnalyzer, hdr-histogram-js, HdrHistogram_py. Values are nanoseconds (the tools'
// default unit ratio of 1e6 prints milliseconds). Per run it holds:
// - one interval per second of the run's `latency`, tagged `<suite>/<scenario>` (from the run's
//   per-second series: 2 significant digits);
// - one interval spanning the run per duration metric, tagged `<suite>/<scenario>/<metric>`, with
//   the run's full histogram (3 significant digits).
// Interval start times are seconds since the earliest run's start (`#[StartTime: ...]`).
#pragma once

#include <string>
#include <vector>

#include "perfgate/metrics/histogram.hpp"
#include "perfgate/metrics/run_result.hpp"

namespace perfgate::report {

// A histogram in HdrHistogram's V2 compressed encoding (zlib), base64: an interval's last field.
std::string hdr_compressed_base64(const metrics::Histogram& h);

std::string hdr_interval_log(const std::vector<metrics::RunResult>& runs);

// Writes the log to `path`. Throws core::IoError naming it.
void write_hdr_log(const std::string& path, const std::vector<metrics::RunResult>& runs);

}  // namespace perfgate::report
