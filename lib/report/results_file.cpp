// results_file.cpp - Atomic results files.
#include "perfgate/report/results_file.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "perfgate/core/error.hpp"

namespace perfgate::report {

namespace fs = std::filesystem;

std::string results_path(const std::string& dir, const metrics::RunResult& r) {
  std::string name = r.scenario;
  if (r.shard.count > 1) name += fmt::format(".shard-{}-of-{}", r.shard.index, r.shard.count);
  return (fs::path(dir) / r.suite / (name + ".json")).string();
}

void ensure_writable_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw core::IoError(
        fmt::format("results folder '{}' cannot be created: {}", dir, ec.message()));
  const fs::path probe = fs::path(dir) / fmt::format(".perfgate-write-test-{}", ::getpid());
  {
    std::ofstream out(probe);
    out << "ok";
    if (!out) throw core::IoError(fmt::format("results folder '{}' is not writable", dir));
  }
  fs::remove(probe, ec);
}

void write_file_atomically(const std::string& path_text, const std::string& text) {
  const fs::path path = path_text;
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  if (ec)
    throw core::IoError(
        fmt::format("cannot create '{}': {}", path.parent_path().string(), ec.message()));
  const fs::path tmp = path.string() + fmt::format(".tmp.{}", ::getpid());
  // Errors name the file the user asked for and the system's reason; the temporary file is an
  // implementation detail, and is removed.
  {
    errno = 0;
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      const int why = errno;
      fs::remove(tmp, ec);
      throw core::IoError(fmt::format("cannot write '{}': {}", path.string(),
                                      why != 0 ? std::strerror(why) : "write failed"));
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    const std::string why = ec.message();
    fs::remove(tmp, ec);
    throw core::IoError(fmt::format("cannot write '{}': {}", path.string(), why));
  }
}

namespace {

// Whether `v` is a number, or an array of numbers or of such arrays: a histogram's buckets, a
// second's values. Printed on one line: one number a line made a 20 s run's file 2.5 MB.
bool numeric(const nlohmann::json& v) {
  if (v.is_number()) return true;
  if (!v.is_array()) return false;
  for (const auto& e : v) {
    if (!numeric(e)) return false;
  }
  return true;
}

// JSON indented one space a level, as dump(1), except numeric arrays, which stay on one line.
void print(const nlohmann::json& v, int depth, std::string& out) {
  const std::string pad(depth + 1, ' '), close(depth, ' ');
  if (v.is_object() && !v.empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& [key, value] : v.items()) {
      out += first ? "" : ",\n";
      first = false;
      out += pad + nlohmann::json(key).dump() + ": ";
      print(value, depth + 1, out);
    }
    out += "\n" + close + "}";
  } else if (v.is_array() && !v.empty() && !numeric(v)) {
    out += "[\n";
    for (std::size_t i = 0; i < v.size(); ++i) {
      out += i ? ",\n" + pad : pad;
      print(v[i], depth + 1, out);
    }
    out += "\n" + close + "]";
  } else {
    out += v.dump();
  }
}

}  // namespace

std::string results_text(const nlohmann::json& results) {
  std::string out;
  print(results, 0, out);
  return out + '\n';
}

std::string write_results(const std::string& dir, const metrics::RunResult& result) {
  const std::string path = results_path(dir, result);
  write_file_atomically(path, results_text(result.to_json()));
  return path;
}

metrics::RunResult read_results(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw core::IoError(fmt::format("{}: cannot read results file", path));
  std::stringstream b;
  b << in.rdbuf();
  return parse_results(b.str(), path);
}

metrics::RunResult parse_results(std::string_view text, const std::string& source) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw core::IoError(
        fmt::format("{}: not a complete JSON document (truncated?): {}", source, e.what()));
  } catch (const nlohmann::json::exception& e) {  // out_of_range: a number like 1e400
    throw core::IoError(fmt::format("{}: not valid JSON: {}", source, e.what()));
  }
  try {
    return metrics::RunResult::from_json(doc);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(fmt::format("{}: {}", source, e.what()));
  }
}

namespace {

// Collects the `*.json` files under `dir`, following links to folders and files (a baselines
// folder's `latest -> run-123`). `seen_dirs` and `seen_files` hold canonical paths: a folder
// reached again (a link to an ancestor) is not entered twice, and a file reached through two
// names counts once, so that a history of runs does not hold one run twice.
void collect_results(const fs::path& dir, std::set<fs::path>& seen_dirs,
                     std::set<fs::path>& seen_files, std::vector<std::string>& found) {
  std::error_code ec;
  const fs::path real = fs::canonical(dir, ec);
  if (ec || !seen_dirs.insert(real).second) return;
  // In name order, so that which name of a file reached twice is kept does not depend on the
  // file system's order.
  std::vector<fs::directory_entry> entries;
  for (const auto& entry : fs::directory_iterator(dir, ec)) entries.push_back(entry);
  std::sort(entries.begin(), entries.end());
  for (const auto& entry : entries) {
    std::error_code entry_ec;
    if (entry.is_directory(entry_ec)) {  // follows a link
      collect_results(entry.path(), seen_dirs, seen_files, found);
    } else if (entry.is_regular_file(entry_ec) && entry.path().extension() == ".json") {
      const fs::path file = fs::canonical(entry.path(), entry_ec);
      if (!entry_ec && seen_files.insert(file).second) found.push_back(entry.path().string());
    }
  }
}

}  // namespace

std::vector<std::string> find_results_files(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) {
      files.push_back(path);
    } else if (fs::is_directory(path, ec)) {
      std::vector<std::string> found;
      std::set<fs::path> seen_dirs, seen_files;  // per path: `compare runs/ runs/` reads both
      collect_results(path, seen_dirs, seen_files, found);
      if (found.empty())
        throw core::IoError(fmt::format("{}: no results files (*.json) in it", path));
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      throw core::IoError(fmt::format("{}: no such results file or folder", path));
    }
  }
  return files;
}

std::vector<metrics::RunResult> read_all_results(const std::vector<std::string>& paths) {
  std::vector<metrics::RunResult> runs;
  for (const std::string& file : find_results_files(paths)) runs.push_back(read_results(file));
  return runs;
}

}  // namespace perfgate::report
