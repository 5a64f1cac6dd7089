// run_result.cpp - RunResult assembly and its results-file JSON.
#include "perfgate/metrics/run_result.hpp"

#include <stdexcept>

#include "perfgate/core/json_fields.hpp"
#include "perfgate/metrics/catalog.hpp"

namespace perfgate::metrics {
namespace {

nlohmann::json histogram_summary(const std::string& key, const Histogram& h) {
  const MetricInfo* info = find_metric(key);
  const double scale = info ? info->scale : 1.0;
  const auto v = [scale](std::int64_t x) { return static_cast<double>(x) * scale; };
  return {{"count", h.count()},
          {"min", v(h.min())},
          {"max", v(h.max())},
          {"mean", h.mean() * scale},
          {"p50", v(h.percentile(50))},
          {"p90", v(h.percentile(90))},
          {"p95", v(h.percentile(95))},
          {"p99", v(h.percentile(99))},
          {"p999", v(h.percentile(99.9))},
          {"unit", info ? core::unit_name(info->unit) : "count"},
          {"histogram", h.to_json()}};
}

}  // namespace

std::uint64_t RunResult::samples() const {
  const auto it = histograms.find("latency");
  return it != histograms.end() ? it->second.count() : attempted;
}

nlohmann::json RunResult::to_json() const {
  nlohmann::json metrics = nlohmann::json::object();
  for (const auto& [key, h] : histograms) metrics[key] = histogram_summary(key, h);
  for (const auto& [key, r] : rates) {
    const MetricInfo* info = find_metric(key);
    metrics[key] = {{"count", r.samples},
                    {"value", r.value()},
                    {"numerator", r.numerator},
                    {"denominator", r.denominator},
                    {"unit", info ? core::unit_name(info->unit) : "count"}};
  }
  nlohmann::json series_json = nlohmann::json::array();
  for (const SeriesPoint& p : series) {
    series_json.push_back({{"t", p.second},
                           {"completed", p.completed},
                           {"failed", p.failed},
                           {"p95", p.latency.percentile(95)},
                           {"latency", p.latency.to_json()}});
  }
  // {"latency": [[second, [[value, count], ...]], ...]}: compact, there is one per metric-second.
  nlohmann::json intervals_json = nlohmann::json::object();
  for (const auto& [key, seconds] : intervals) {
    nlohmann::json list = nlohmann::json::array();
    for (const IntervalHistogram& s : seconds) list.push_back({s.second, s.values});
    intervals_json[key] = std::move(list);
  }
  nlohmann::json rules = nlohmann::json::array();
  for (const ThresholdOutcome& t : thresholds) {
    rules.push_back({{"metric", t.metric},
                     {"statistic", t.statistic},
                     {"comparison", t.comparison},
                     {"limit", t.limit},
                     {"measured", t.measured ? nlohmann::json(*t.measured) : nlohmann::json()},
                     {"samples", t.samples},
                     {"min_samples", t.min_samples},
                     {"passed", t.passed},
                     {"tier", t.tier},
                     {"note", t.note}});
  }
  nlohmann::json out = {{"schema_version", kResultsSchemaVersion},
                        {"suite", suite},
                        {"scenario", scenario},
                        {"profile", profile},
                        {"passed", passed},
                        {"judged", judged},
                        {"interrupted", interrupted},
                        {"started_at", started_at_ms},
                        {"ended_at", ended_at_ms},
                        {"duration_s", duration_s},
                        {"shard", {{"index", shard.index}, {"count", shard.count}}},
                        {"min_samples", min_samples},
                        {"samples", samples()},
                        {"operations",
                         {{"attempted", attempted},
                          {"completed", completed},
                          {"failed", failed},
                          {"interrupted", interrupted_operations}}},
                        {"metrics", std::move(metrics)},
                        {"errors", errors},
                        {"counters", counters},
                        {"series", std::move(series_json)},
                        {"intervals", std::move(intervals_json)},
                        {"thresholds", std::move(rules)},
                        {"best_tier", best_tier},
                        {"context", context}};
  if (capacity) {
    const auto optional = [](const std::optional<double>& v) {
      return v ? nlohmann::json(*v) : nlohmann::json();
    };
    nlohmann::json steps = nlohmann::json::array();
    for (const CapacityStep& s : capacity->steps) {
      steps.push_back({{"rate", s.rate},
                       {"held", s.held},
                       {"samples", s.samples},
                       {"throughput", s.throughput},
                       {"error_rate", s.error_rate},
                       {"p50_ns", s.p50_ns},
                       {"p95_ns", s.p95_ns},
                       {"p99_ns", s.p99_ns},
                       {"broken", s.broken}});
    }
    out["capacity"] = {{"rate", optional(capacity->highest_held)},
                       {"lowest_broken", optional(capacity->lowest_broken)},
                       {"ended_by", capacity->ended_by},
                       {"precision", capacity->precision},
                       {"search_s", capacity->search_s},
                       {"steps", std::move(steps)}};
  }
  if (!round_starts.empty()) out["round_starts"] = round_starts;
  if (interval_unit == IntervalUnit::kRepetition) out["interval_unit"] = "repetition";
  if (ab) {
    out["ab"] = {{"baseline_target", ab->baseline_target},
                 {"order", ab->order},
                 {"round_s", ab->round_s},
                 {"baseline", ab->baseline ? ab->baseline->to_json() : nlohmann::json()}};
  }
  return out;
}

RunResult RunResult::from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("schema_version")) {
    throw std::invalid_argument("not a perfgate results file (no schema_version)");
  }
  const int version =
      j.at("schema_version").is_number_integer() ? j.at("schema_version").get<int>() : -1;
  if (version != kResultsSchemaVersion) {
    throw std::invalid_argument("unsupported schema_version " + j.at("schema_version").dump() +
                                " (this perfgate reads version " +
                                std::to_string(kResultsSchemaVersion) + ")");
  }
  try {
    RunResult r;
    r.suite = j.at("suite").get<std::string>();
    r.scenario = j.at("scenario").get<std::string>();
    r.profile = j.at("profile").get<std::string>();
    r.passed = j.at("passed").get<bool>();
    r.judged = j.value("judged", true);
    r.interrupted = j.at("interrupted").get<bool>();
    r.started_at_ms = core::whole_number<std::int64_t>(j.at("started_at"), "started_at");
    r.ended_at_ms = core::whole_number<std::int64_t>(j.at("ended_at"), "ended_at");
    r.duration_s = j.at("duration_s").get<double>();
    r.shard.index = core::whole_number<int>(j.at("shard").at("index"), "index");
    r.shard.count = core::whole_number<int>(j.at("shard").at("count"), "count");
    r.min_samples = j.contains("min_samples")
                        ? core::whole_number<std::uint64_t>(j.at("min_samples"), "min_samples")
                        : 0;
    const auto& ops = j.at("operations");
    r.attempted = core::whole_number<std::uint64_t>(ops.at("attempted"), "attempted");
    r.completed = core::whole_number<std::uint64_t>(ops.at("completed"), "completed");
    r.failed = core::whole_number<std::uint64_t>(ops.at("failed"), "failed");
    r.interrupted_operations =
        ops.contains("interrupted")
            ? core::whole_number<std::uint64_t>(ops.at("interrupted"), "interrupted")
            : 0;
    for (const auto& [key, m] : j.at("metrics").items()) {
      if (m.contains("histogram")) {
        r.histograms.emplace(key, Histogram::from_json(m.at("histogram")));
      } else {
        r.rates[key] =
            RateFigure{m.at("numerator").get<double>(), m.at("denominator").get<double>(),
                       core::whole_number<std::uint64_t>(m.at("count"), "count")};
      }
    }
    for (const auto& [kind, n] : j.at("errors").items()) {
      r.errors[kind] = core::whole_number<std::uint64_t>(n, "errors/" + kind);
    }
    // Held here: a range-for over items() of a temporary would read it after it is gone.
    const nlohmann::json counters = j.value("counters", nlohmann::json::object());
    for (const auto& [name, n] : counters.items()) {
      r.counters[name] = core::whole_number<std::uint64_t>(n, "counters/" + name);
    }
    for (const auto& p : j.at("series")) {
      SeriesPoint point;
      point.second = core::whole_number<std::int64_t>(p.at("t"), "t");
      point.completed = core::whole_number<std::uint64_t>(p.at("completed"), "completed");
      point.failed = core::whole_number<std::uint64_t>(p.at("failed"), "failed");
      point.latency = Histogram::from_json(p.at("latency"));
      r.series.push_back(std::move(point));
    }
    if (j.contains("intervals")) {
      for (const auto& [key, list] : j.at("intervals").items()) {
        auto& seconds = r.intervals[key];
        for (const auto& s : list) {
          const std::string where = "intervals/" + key;
          if (!s.is_array() || s.size() != 2 || !s[1].is_array())
            throw std::invalid_argument(where + ": expected [second, [[value, count], ...]]");
          IntervalHistogram h{core::whole_number<std::int64_t>(s[0], where), {}};
          for (const auto& v : s[1]) {
            if (!v.is_array() || v.size() != 2)
              throw std::invalid_argument(where + ": expected [value, count]");
            h.values.emplace_back(core::whole_number<std::int64_t>(v[0], where),
                                  core::whole_number<std::uint64_t>(v[1], where));
          }
          seconds.push_back(std::move(h));
        }
      }
    }
    if (j.contains("interval_unit")) {
      const auto& unit = j.at("interval_unit");
      if (unit == "repetition")
        r.interval_unit = IntervalUnit::kRepetition;
      else if (unit != "second")
        throw std::invalid_argument("interval_unit: expected \"second\" or \"repetition\"");
    }
    if (j.contains("round_starts")) {
      const auto& starts = j.at("round_starts");
      if (!starts.is_array()) throw std::invalid_argument("round_starts: expected an array");
      for (const auto& s : starts) {
        r.round_starts.push_back(core::whole_number<std::int64_t>(s, "round_starts"));
        if (r.round_starts.size() > 1 && r.round_starts.back() < r.round_starts.end()[-2])
          throw std::invalid_argument("round_starts: expected seconds in ascending order");
      }
    }
    for (const auto& t : j.at("thresholds")) {
      ThresholdOutcome o;
      o.metric = t.at("metric").get<std::string>();
      o.statistic = t.at("statistic").get<std::string>();
      o.comparison = t.value("comparison", "");
      o.limit = t.at("limit").get<double>();
      if (!t.at("measured").is_null()) o.measured = t.at("measured").get<double>();
      o.samples = core::whole_number<std::uint64_t>(t.at("samples"), "samples");
      o.min_samples = t.contains("min_samples")
                          ? core::whole_number<std::uint64_t>(t.at("min_samples"), "min_samples")
                          : 0;
      o.passed = t.at("passed").get<bool>();
      o.tier = t.at("tier").get<std::string>();
      o.note = t.value("note", "");
      r.thresholds.push_back(std::move(o));
    }
    r.best_tier = j.value("best_tier", "");
    r.context = j.value("context", nlohmann::json::object());
    if (j.contains("capacity")) {
      const auto& c = j.at("capacity");
      CapacityCurve curve;
      if (!c.at("rate").is_null()) curve.highest_held = c.at("rate").get<double>();
      if (!c.at("lowest_broken").is_null())
        curve.lowest_broken = c.at("lowest_broken").get<double>();
      curve.ended_by = c.at("ended_by").get<std::string>();
      curve.precision = c.at("precision").get<double>();
      curve.search_s = c.at("search_s").get<double>();
      for (const auto& s : c.at("steps")) {
        CapacityStep step;
        step.rate = s.at("rate").get<double>();
        step.held = s.at("held").get<bool>();
        step.samples = core::whole_number<std::uint64_t>(s.at("samples"), "samples");
        step.throughput = s.at("throughput").get<double>();
        step.error_rate = s.at("error_rate").get<double>();
        step.p50_ns = core::whole_number<std::int64_t>(s.at("p50_ns"), "p50_ns");
        step.p95_ns = core::whole_number<std::int64_t>(s.at("p95_ns"), "p95_ns");
        step.p99_ns = core::whole_number<std::int64_t>(s.at("p99_ns"), "p99_ns");
        step.broken = s.at("broken").get<std::vector<std::string>>();
        curve.steps.push_back(std::move(step));
      }
      r.capacity = std::move(curve);
    }
    if (j.contains("ab")) {
      const auto& a = j.at("ab");
      AbRun run;
      run.baseline_target = a.at("baseline_target").get<std::string>();
      run.order = a.at("order").get<std::string>();
      run.round_s = a.at("round_s").get<double>();
      // One level only: a side is a plain run (and a crafted file cannot nest without end).
      if (a.at("baseline").contains("ab"))
        throw std::invalid_argument("an A/B run's baseline side holds another A/B run");
      if (!a.at("baseline").is_null())
        run.baseline = std::make_shared<const RunResult>(from_json(a.at("baseline")));
      r.ab = std::move(run);
    }
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("malformed results file: ") + e.what());
  }
}

void derive_shares(const MetricSet& set, RunResult& r) {
  for (const MetricSet::Share& share : set.shares()) {
    const auto whole = r.counters.find(share.whole);
    if (whole == r.counters.end() || whole->second == 0) continue;
    const auto part = r.counters.find(share.part);
    r.rates[share.key] =
        RateFigure{part == r.counters.end() ? 0.0 : static_cast<double>(part->second),
                   static_cast<double>(whole->second), whole->second};
  }
}

RunResult collect(const MetricSet& set, const Recorder& merged, double steady_seconds,
                  const std::vector<double>& stage_steady_seconds) {
  RunResult r;
  for (std::size_t i = 0; i < set.histogram_keys().size(); ++i) {
    const Histogram& h = merged.histograms()[i];
    if (h.count() != 0 || set.histogram_keys()[i] == "latency") {
      r.histograms.emplace(set.histogram_keys()[i], h);
    }
    if (h.count() != 0) r.intervals[set.histogram_keys()[i]] = merged.intervals(i);
  }
  for (std::size_t i = 0; i < set.counters().size(); ++i) {
    if (!set.counters()[i].steady_rate) r.counters[set.counters()[i].name] = merged.counters()[i];
  }
  for (std::size_t k = 1; k < merged.errors().size(); ++k) {
    if (merged.errors()[k] != 0)
      r.errors[std::string(set.error_kind_name(static_cast<ErrorKind>(k)))] += merged.errors()[k];
  }
  r.attempted = merged.attempted();
  r.completed = merged.completed();
  r.failed = merged.failed();
  r.interrupted_operations = merged.interrupted();
  r.series = merged.series();
  r.rates["error_rate"] =
      RateFigure{static_cast<double>(r.failed), static_cast<double>(r.attempted), r.attempted};
  r.rates["throughput"] = RateFigure{static_cast<double>(merged.steady_completed()), steady_seconds,
                                     merged.steady_completed()};
  for (std::size_t i = 0; i < set.counters().size(); ++i) {
    const MetricSet::Counter& c = set.counters()[i];
    if (!c.steady_rate) continue;
    const std::uint64_t events = merged.counters()[i];
    if (!c.stage) {
      r.rates[c.name] = RateFigure{static_cast<double>(events), steady_seconds, r.completed};
      continue;
    }
    // A stage's rate is over that stage's steady time; a ramp has none, and no rate.
    const double seconds = *c.stage >= 1 && *c.stage <= stage_steady_seconds.size()
                               ? stage_steady_seconds[*c.stage - 1]
                               : 0.0;
    if (seconds > 0) r.rates[c.name] = RateFigure{static_cast<double>(events), seconds, events};
  }
  derive_shares(set, r);
  return r;
}

}  // namespace perfgate::metrics
