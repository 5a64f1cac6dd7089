// perfgate/report/results_file.hpp - Writing and reading results files, atomically.
#pragma once

#include <string>

#include "perfgate/metrics/run_result.hpp"

namespace perfgate::report {

// `<dir>/<suite>/<scenario>.json` (with `.shard-<i>-of-<n>` before `.json` for a shard of many).
std::string results_path(const std::string& dir, const metrics::RunResult& result);

// Writes the results file through a temporary file and a rename, so a reader never sees a partial
// file. Returns its path. Throws core::IoError naming the path.
std::string write_results(const std::string& dir, const metrics::RunResult& result);

// Reads a results file. Throws core::IoError (unreadable, truncated, not JSON) or
// std::invalid_argument (wrong schema version, missing fields), each naming the file.
metrics::RunResult read_results(const std::string& path);

// Creates `dir` if needed and checks a file can be written in it. Throws core::IoError naming it.
void ensure_writable_dir(const std::string& dir);

}  // namespace perfgate::report
