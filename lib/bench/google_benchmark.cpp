// google_benchmark.cpp - Reading Google Benchmark's JSON output into a perfgate run.
#include "perfgate/bench/google_benchmark.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <thread>

#include "perfgate/core/error.hpp"
#include "perfgate/metrics/catalog.hpp"

namespace perfgate::bench {
namespace {

// Nanoseconds per GB time_unit.
double ns_per(const std::string& unit, const std::string& where) {
  if (unit == "ns") return 1;
  if (unit == "us") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  throw core::Error(fmt::format("{}/time_unit: expected ns, us, ms or s, got \"{}\"", where, unit));
}

double number(const nlohmann::json& b, const char* key, const std::string& where) {
  if (!b.contains(key) || !b.at(key).is_number())
    throw core::Error(fmt::format("{}/{}: expected a number", where, key));
  return b.at(key).get<double>();
}

// Figures are recorded in thousandths of their canonical unit (picoseconds, thousandths per
// second), up to 1e18: a 1,000 s iteration, or 1e15 bytes a second.
constexpr std::int64_t kHighest = 1'000'000'000'000'000'000;

std::int64_t thousandths(double canonical) {
  return static_cast<std::int64_t>(std::llround(std::max(0.0, canonical) * 1000));
}

}  // namespace

ProgramOutput parse_output(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("benchmarks") || !j.at("benchmarks").is_array())
    throw core::Error(
        "/benchmarks: expected Google Benchmark's JSON output (--benchmark_format=json)");
  ProgramOutput out;
  if (j.contains("context") && j.at("context").is_object()) out.context = j.at("context");
  const auto& list = j.at("benchmarks");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const nlohmann::json& b = list[i];
    const std::string where = fmt::format("/benchmarks/{}", i);
    if (!b.is_object()) throw core::Error(where + ": expected an object");
    const std::string name = b.value("run_name", b.value("name", std::string()));
    if (name.empty()) throw core::Error(where + "/name: expected the benchmark's name");
    if (b.value("error_occurred", false)) {
      throw core::Error(fmt::format("{} reported an error: {}", name,
                                    b.value("error_message", std::string("(no message)"))));
    }
    if (b.value("run_type", std::string("iteration")) != "iteration") continue;  // aggregates
    const double scale = ns_per(b.value("time_unit", std::string("ns")), where);
    Repetition r;
    r.name = name;
    r.index = b.value("repetition_index", std::int64_t{0});
    r.real_ns = number(b, "real_time", where) * scale;
    r.cpu_ns = number(b, "cpu_time", where) * scale;
    r.iterations = b.value("iterations", std::uint64_t{0});
    if (b.contains("items_per_second")) r.items_per_second = number(b, "items_per_second", where);
    if (b.contains("bytes_per_second")) r.bytes_per_second = number(b, "bytes_per_second", where);
    out.repetitions.push_back(std::move(r));
  }
  if (out.repetitions.empty())
    throw core::Error("/benchmarks: no benchmark ran (does --benchmark_filter match any?)");
  return out;
}

std::vector<std::string> hygiene_warnings(const nlohmann::json& context) {
  std::vector<std::string> out;
  if (context.value("cpu_scaling_enabled", false))
    out.push_back(
        "CPU frequency scaling is on: figures move with the governor (set it to performance)");
  const unsigned cpus = context.value("num_cpus", std::thread::hardware_concurrency());
  if (context.contains("load_avg") && context.at("load_avg").is_array() &&
      !context.at("load_avg").empty() && context.at("load_avg")[0].is_number()) {
    // The 1-minute average counts perfgate's own programs (one thread, back to back: about 1
    // after a few rounds), so what is beyond that is the neighbours'.
    const double load = context.at("load_avg")[0].get<double>();
    if (cpus > 0 && load - 1 > 0.25 * cpus)
      out.push_back(fmt::format(
          "load average {:.2f} on {} CPUs when the program started ({:.2f} beyond the benchmark's "
          "own thread): the machine was busy",
          load, cpus, load - 1));
  }
  if (context.value("library_build_type", std::string()) == "debug")
    out.push_back(
        "Google Benchmark's library says it is a debug build (built without NDEBUG, as Debian's "
        "package is): its timing loop may carry checks");
  return out;
}

metrics::RunResult to_run(const std::vector<ProgramOutput>& runs, double seconds) {
  metrics::RunResult r;
  r.interval_unit = metrics::IntervalUnit::kRepetition;
  r.duration_s = seconds;
  const bool rounds = runs.size() > 1;
  // key -> interval -> values, gathered first: repetitions may come interleaved.
  std::map<std::string, std::map<std::int64_t, std::vector<std::pair<std::int64_t, std::uint64_t>>>>
      by_interval;
  const auto add = [&](const std::string& metric, const std::string& name, double canonical,
                       std::int64_t interval) {
    const std::string key = metrics::tagged(metric, "benchmark", name);
    auto [it, fresh] = r.histograms.try_emplace(key, metrics::Histogram(3, kHighest));
    const std::int64_t v = thousandths(canonical);
    it->second.record(v);
    by_interval[key][interval].emplace_back(v, 1);
  };
  for (std::size_t k = 0; k < runs.size(); ++k) {
    if (rounds) r.round_starts.push_back(static_cast<std::int64_t>(k));
    for (const Repetition& rep : runs[k].repetitions) {
      const std::int64_t interval = rounds ? static_cast<std::int64_t>(k) : rep.index;
      add("real_time", rep.name, rep.real_ns, interval);
      add("cpu_time", rep.name, rep.cpu_ns, interval);
      if (rep.items_per_second) add("items_per_second", rep.name, *rep.items_per_second, interval);
      if (rep.bytes_per_second) add("bytes_per_second", rep.name, *rep.bytes_per_second, interval);
      ++r.attempted;
      ++r.completed;
    }
  }
  for (auto& [key, intervals] : by_interval) {
    auto& list = r.intervals[key];
    for (auto& [interval, values] : intervals) {
      std::sort(values.begin(), values.end());
      list.push_back({interval, std::move(values)});
    }
  }
  if (!runs.empty()) {
    r.context["google_benchmark"] = runs.front().context;
    // The busiest start's context speaks for the run (the load average differs by round).
    const auto load = [](const nlohmann::json& c) {
      const auto& l = c.value("load_avg", nlohmann::json::array());
      return l.is_array() && !l.empty() && l[0].is_number() ? l[0].get<double>() : 0.0;
    };
    const ProgramOutput* busiest = &runs.front();
    for (const ProgramOutput& run : runs) {
      if (load(run.context) > load(busiest->context)) busiest = &run;
    }
    if (const auto warnings = hygiene_warnings(busiest->context); !warnings.empty())
      r.context["warnings"] = warnings;
  }
  return r;
}

}  // namespace perfgate::bench
