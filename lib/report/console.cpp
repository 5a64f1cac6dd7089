// console.cpp - The console summary of one scenario run.
#include "perfgate/report/console.hpp"

#include <fmt/format.h>

#include "figures.hpp"

namespace perfgate::report {

std::string console_summary(const metrics::RunResult& r) {
  std::string out;
  auto it = std::back_inserter(out);
  fmt::format_to(
      it, "\n== {}/{}  profile {}  {:.1f}s  {} {} ({} failed{}){}{} ==\n", r.suite, r.scenario,
      r.profile, r.duration_s, r.attempted,
      r.interval_unit == metrics::IntervalUnit::kRepetition ? "repetitions" : "operations",
      r.failed,
      r.interrupted_operations
          ? fmt::format("; {} more cut by the harness at the end", r.interrupted_operations)
          : "",
      r.shard.count > 1 ? fmt::format("  shard {}/{}", r.shard.index, r.shard.count) : "",
      r.interrupted ? "  INTERRUPTED" : "");
  fmt::format_to(it, "{:<34} {:>9} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}\n", "metric", "count",
                 "avg", "p50", "p90", "p95", "p99", "max");
  for (const auto& [key, h] : r.histograms) {
    const metrics::MetricInfo* info = metrics::find_metric(key);
    const double s = info ? info->scale : 1.0;
    // Init-captures: clang before 16 cannot capture structured bindings themselves.
    const auto v = [&hist = h, &name = key, s](double x) {
      return hist.count() ? value_text(x * s, name) : std::string("-");
    };
    fmt::format_to(it, "{:<34} {:>9} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}\n", key, h.count(),
                   v(h.mean()), v(static_cast<double>(h.percentile(50))),
                   v(static_cast<double>(h.percentile(90))),
                   v(static_cast<double>(h.percentile(95))),
                   v(static_cast<double>(h.percentile(99))), v(static_cast<double>(h.max())));
  }
  for (const auto& [key, rate] : r.rates) {
    fmt::format_to(it, "{:<34} {:>9} {:>10}\n", key, rate.samples, value_text(rate.value(), key));
  }
  if (const auto sides = ab_side_rows(r); !sides.empty()) {
    fmt::format_to(it, "{}\n{:<34} {:>9} {:>10} {:>10} {:>10} {:>12} {:>10}\n", ab_text(r), "side",
                   "operations", "p50", "p95", "p99", "throughput", "error_rate");
    for (const AbSideRow& s : sides) {
      fmt::format_to(it, "{:<34} {:>9} {:>10} {:>10} {:>10} {:>12} {:>10}\n", s.side, s.operations,
                     s.p50, s.p95, s.p99, s.throughput, s.error_rate);
    }
  }
  fmt::format_to(it, "{:<34} {:>12}    {:<12} {:>9}  {:<4} {}\n", "rule", "measured", "limit",
                 "samples", "", "tier");
  for (const auto& t : r.thresholds) {
    const std::string key = t.statistic == "count" ? std::string("samples") : t.metric;
    const auto fmt_v = [&](double x) {
      return t.statistic == "count" ? core::format_quantity(x, core::Unit::kCount)
                                    : value_text(x, key);
    };
    fmt::format_to(it, "{:<34} {:>12} {} {:<12} {:>9}  {:<4} {}{}\n",
                   fmt::format("{} {}", t.metric, t.statistic),
                   t.measured ? fmt_v(*t.measured) : std::string("-"), t.comparison, fmt_v(t.limit),
                   t.samples, t.passed ? "✓" : "✗", t.tier,
                   t.note.empty() ? "" : "  (" + t.note + ")");
  }
  if (!r.errors.empty()) {
    std::string list;
    for (const auto& [kind, n] : r.errors)
      list += fmt::format("{}{} {}", list.empty() ? "" : ", ", kind, n);
    fmt::format_to(it, "errors: {}\n", list);
  }
  if (!r.judged) {
    fmt::format_to(it, "result: not judged (no table was given: perfgate check judges it){}\n",
                   r.interrupted ? "; INTERRUPTED" : "");
  } else if (r.shard.count > 1 && r.passed) {
    fmt::format_to(it,
                   "result: shard {}/{} done; the gate is the merged run's "
                   "(perfgate merge, then perfgate check)\n",
                   r.shard.index, r.shard.count);
  } else {
    fmt::format_to(it, "result: {} (best tier met by every rule: {})\n",
                   r.passed ? "PASSED" : "FAILED", r.best_tier);
  }
  return out;
}

std::string describe_failures(const metrics::RunResult& r) {
  std::string out;
  if (r.interrupted) out += "\n  the run was interrupted before it finished";
  for (const auto& t : r.thresholds) {
    if (t.passed) continue;
    const metrics::MetricInfo* info = metrics::find_metric(t.metric);
    const core::Unit unit = t.statistic == "count" || !info ? core::Unit::kCount : info->unit;
    out += fmt::format("\n  {} {} = {}, limit {} {} (tier {}, {} samples){}", t.metric, t.statistic,
                       t.measured ? core::format_quantity(*t.measured, unit) : std::string("none"),
                       t.comparison, core::format_quantity(t.limit, unit), t.tier, t.samples,
                       t.note.empty() ? "" : "; " + t.note);
  }
  return out;
}

}  // namespace perfgate::report
