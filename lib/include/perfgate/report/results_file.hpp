// perfgate/report/results_file.hpp - Writing and reading results files, atomically.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "perfgate/metrics/run_result.hpp"

namespace perfgate::report {

// `<dir>/<suite>/<scenario>.json` (with `.shard-<i>-of-<n>` before `.json` for a shard of many).
std::string results_path(const std::string& dir, const metrics::RunResult& result);

// Writes `text` to `path` through a temporary file and a rename, so a reader (a person, CI,
// node_exporter) never sees a partial file. Throws core::IoError naming the path.
void write_file_atomically(const std::string& path, const std::string& text);

// A results document as written: indented, with histograms' and seconds' numbers on one line.
std::string results_text(const nlohmann::json& results);

// Writes the results file through a temporary file and a rename, so a reader never sees a partial
// file. Returns its path. Throws core::IoError naming the path.
std::string write_results(const std::string& dir, const metrics::RunResult& result);

// Reads a results file. Throws core::IoError (unreadable, truncated, not JSON) or
// std::invalid_argument (wrong schema version, missing fields), each naming the file.
metrics::RunResult read_results(const std::string& path);
// Parses a results file's text; `source` names it in errors, which are those of read_results.
metrics::RunResult parse_results(std::string_view text, const std::string& source);

// The results files that `paths` name: files as given, folders searched recursively for
// `*.json`, following links to folders and files (a link back to a folder already searched is
// not searched again, and a file a folder reaches under two names is returned once). Throws
// core::IoError for a path that does not exist or a folder with no results.
std::vector<std::string> find_results_files(const std::vector<std::string>& paths);

// Reads every results file `paths` name (see find_results_files), all or nothing.
std::vector<metrics::RunResult> read_all_results(const std::vector<std::string>& paths);

// Creates `dir` if needed and checks a file can be written in it. Throws core::IoError naming it.
void ensure_writable_dir(const std::string& dir);

}  // namespace perfgate::report
