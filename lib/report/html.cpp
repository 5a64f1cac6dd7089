// html.cpp - The self-contained HTML report.
#include "perfgate/report/html.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "figures.hpp"
#include "svg_chart.hpp"

namespace perfgate::report {
namespace {

using svg::escape;

constexpr const char* kStyle = R"css(
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1180px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 36px; border-top: 2px solid #ddd;
  padding-top: 14px; } h3 { font-size: 15px; margin: 18px 0 6px; }
table { border-collapse: collapse; margin: 6px 0 12px; display: block; max-width: 100%;
  overflow-x: auto; }
table.context { display: table; width: 100%; table-layout: fixed; }
table.context td { text-align: left; overflow-wrap: anywhere; }
table.context td:first-child { width: 11em; }
th, td { padding: 3px 10px; border-bottom: 1px solid #e4e4e4; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f4f4f4; font-weight: 600; }
.pass { color: #1a7f37; } .fail { color: #c62828; font-weight: 600; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff;
  font-size: 12px; vertical-align: middle; }
.badge.pass { background: #1a7f37; color: #fff; } .badge.fail { background: #c62828; color: #fff; }
.badge.interrupted { background: #8a6d00; }
.facts { color: #555; } .note { color: #8a6d00; }
.charts { display: flex; flex-wrap: wrap; gap: 10px; }
svg.chart { background: #fff; border: 1px solid #e4e4e4; width: calc(50% - 8px); height: auto; box-sizing: border-box; }
svg .title { font: 600 13px system-ui, sans-serif; } svg .tick { font: 11px system-ui, sans-serif;
  fill: #555; } svg .axis { font: 11px system-ui, sans-serif; fill: #333; }
svg .legend { font: 11px system-ui, sans-serif; } svg .grid { stroke: #eee; }
svg .plot { stroke: #bbb; } svg .empty { font: 13px system-ui, sans-serif; fill: #999;
  text-anchor: middle; }
pre { background: #f7f7f7; padding: 8px; overflow-x: auto; font-size: 12px; }
)css";

// Runs after layout: records, per chart, how many points were drawn with a visible extent, so a
// headless browser (the report test) can tell a rendered chart from an empty frame.
constexpr const char* kCheckScript = R"js(
window.addEventListener('load', () => {
  const charts = [...document.querySelectorAll('svg.chart')].map(svg => {
    const lines = [...svg.querySelectorAll('polyline.series')];
    const bars = [...svg.querySelectorAll('rect.bar')];
    const visible = el => { const b = el.getBBox(); return b.width > 0 || b.height > 0; };
    return {
      title: svg.getAttribute('aria-label'),
      points: lines.reduce((n, l) => n + l.points.numberOfItems, 0) + bars.length,
      drawn: lines.filter(visible).length + bars.filter(visible).length,
      width: Math.round(svg.getBoundingClientRect().width)
    };
  });
  document.body.setAttribute('data-chart-check', JSON.stringify(charts));
  // How far the page is wider than the window (0: no horizontal scrollbar), and what sticks out.
  const root = document.documentElement;
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > root.clientWidth + 0.5)
    .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
  document.body.setAttribute('data-layout-check', JSON.stringify(
    {overflow: root.scrollWidth - root.clientWidth, wide: wide, ids: document.querySelectorAll('[id]').length,
     unique_ids: new Set([...document.querySelectorAll('[id]')].map(e => e.id)).size}));
});
)js";

// An id per run, unique in the page: suite, scenario and origin ("-merged4", "-shard1of4"), and
// "-2", "-3", ... when a folder holds the same run more than once.
std::vector<std::string> anchors(const std::vector<const metrics::RunResult*>& runs) {
  std::vector<std::string> out;
  std::map<std::string, int> seen;
  for (const metrics::RunResult* r : runs) {
    std::string a = r->suite + "-" + r->scenario;
    if (r->shard.count > 1) a += fmt::format("-shard{}of{}", r->shard.index, r->shard.count);
    if (const int n = merged_shards(*r); n > 1) a += fmt::format("-merged{}", n);
    for (char& c : a) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '_';
    }
    if (const int n = ++seen[a]; n > 1) a += fmt::format("-{}", n);
    out.push_back(std::move(a));
  }
  return out;
}

std::string verdict_badge(const metrics::RunResult& r) {
  if (r.interrupted) return "<span class=\"badge fail interrupted\">INTERRUPTED</span>";
  return r.passed ? "<span class=\"badge pass\">PASSED</span>"
                  : "<span class=\"badge fail\">FAILED</span>";
}

// The percentile distribution of one histogram: points at percentiles spaced evenly on the
// log axis, up to the resolution its sample count supports, then the maximum.
svg::Series percentile_curve(const std::string& key, const metrics::Histogram& h) {
  svg::Series s{key, {}};
  if (h.count() == 0) return s;
  const double scale = scale_of(key);
  const double last = std::min(6.0, std::log10(static_cast<double>(h.count())));
  for (double x = 0; x <= last + 1e-9; x += 0.05) {
    const double p = std::max(0.0001, 100.0 * (1.0 - std::pow(10.0, -x)));
    s.points.emplace_back(x, static_cast<double>(h.percentile(p)) * scale);
  }
  s.points.emplace_back(std::max(last, s.points.back().first),
                        static_cast<double>(h.max()) * scale);
  return s;
}

std::string percentile_chart(const metrics::RunResult& r) {
  std::vector<svg::Series> curves;
  // Untagged duration metrics first (latency, ttft, ...), then tagged ones, while room is left.
  for (const bool tagged : {false, true}) {
    for (const auto& [key, h] : r.histograms) {
      if (unit_of(key) != core::Unit::kDuration || h.count() == 0) continue;
      if ((key.find('{') != std::string::npos) != tagged) continue;
      if (key == "schedule_lag" || key == "session_uptime") continue;  // not response times
      curves.push_back(percentile_curve(key, h));
    }
  }
  return svg::line_chart(
      {"Latency by percentile", "duration", svg::XAxis::kPercentile, core::Unit::kDuration},
      curves);
}

std::string over_time_charts(const metrics::RunResult& r) {
  svg::Series completed{"completed/s", {}}, failed{"failed/s", {}}, p95{"p95 latency", {}};
  for (const metrics::SeriesPoint& p : r.series) {
    const auto t = static_cast<double>(p.second);
    // Counts per second of run: the last second is usually partial (a run of 10.3 s has 0.3 s
    // in its eleventh), and its count drawn as a whole second's would look like a collapse. A
    // partial second is drawn at its rate when it covers at least half a second, else left out.
    const double covered = r.duration_s > 0 ? std::min(1.0, r.duration_s - t) : 1.0;
    if (covered < 0.5) continue;  // its p95 rests on a sliver of the run too
    completed.points.emplace_back(t, static_cast<double>(p.completed) / covered);
    failed.points.emplace_back(t, static_cast<double>(p.failed) / covered);
    if (p.latency.count() != 0)
      p95.points.emplace_back(t, static_cast<double>(p.latency.percentile(95)));
  }
  return svg::line_chart({"Throughput per second", "operations per second", svg::XAxis::kSeconds,
                          core::Unit::kCount},
                         {completed}) +
         svg::line_chart(
             {"p95 latency per second", "latency", svg::XAxis::kSeconds, core::Unit::kDuration},
             {p95}) +
         svg::line_chart({"Errors per second", "failed operations per second", svg::XAxis::kSeconds,
                          core::Unit::kCount},
                         {failed});
}

std::string thresholds_table(const metrics::RunResult& r) {
  std::string out =
      "<table class=\"thresholds\"><tr><th>rule</th><th>measured</th><th></th><th>limit</th>"
      "<th>samples</th><th>met</th><th>tier</th><th>note</th></tr>\n";
  for (const metrics::ThresholdOutcome& t : r.thresholds) {
    const bool count = t.statistic == "count";
    const auto text = [&](double v) {
      return count ? core::format_quantity(v, core::Unit::kCount) : value_text(v, t.metric);
    };
    fmt::format_to(std::back_inserter(out),
                   "<tr class=\"{}\"><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                   "<td class=\"{}\">{}</td><td>{}</td><td class=\"note\">{}</td></tr>\n",
                   t.passed ? "pass" : "fail", escape(t.metric), escape(t.statistic),
                   t.measured ? escape(text(*t.measured)) : "-", escape(t.comparison),
                   escape(text(t.limit)), t.samples, t.passed ? "pass" : "fail",
                   t.passed ? "✓" : "✗", escape(t.tier), escape(t.note));
  }
  if (r.thresholds.empty()) out += "<tr><td colspan=\"8\">not judged against a table</td></tr>\n";
  return out + "</table>\n";
}

std::string metrics_table(const metrics::RunResult& r) {
  std::string out =
      "<table class=\"metrics\"><tr><th>metric</th><th>samples</th><th>min</th><th>avg</th>"
      "<th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>p99.9</th><th>max</th></tr>\n";
  for (const auto& [key, h] : r.histograms) {
    const double s = scale_of(key);
    // Init-captures: clang before 16 cannot capture structured bindings themselves.
    const auto v = [&hist = h, &name = key, s](double x) {
      return hist.count() ? escape(value_text(x * s, name)) : "-";
    };
    fmt::format_to(
        std::back_inserter(out),
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        escape(key), h.count(), v(static_cast<double>(h.min())), v(h.mean()),
        v(static_cast<double>(h.percentile(50))), v(static_cast<double>(h.percentile(90))),
        v(static_cast<double>(h.percentile(95))), v(static_cast<double>(h.percentile(99))),
        v(static_cast<double>(h.percentile(99.9))), v(static_cast<double>(h.max())));
  }
  out += "</table>\n";
  if (!r.rates.empty()) {
    out += "<table class=\"rates\"><tr><th>rate</th><th>value</th><th>samples</th></tr>\n";
    for (const auto& [key, rate] : r.rates) {
      fmt::format_to(std::back_inserter(out), "<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                     escape(key), escape(value_text(rate.value(), key)), rate.samples);
    }
    out += "</table>\n";
  }
  return out;
}

std::string errors_block(const metrics::RunResult& r) {
  if (r.errors.empty()) return "<p>No failed operations.</p>\n";
  std::vector<std::pair<std::string, double>> bars;
  std::string table =
      "<table class=\"errors\"><tr><th>kind</th><th>count</th><th>share of "
      "attempted</th></tr>\n";
  for (const auto& [kind, n] : r.errors) {
    bars.emplace_back(kind, static_cast<double>(n));
    fmt::format_to(
        std::back_inserter(table), "<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n", escape(kind), n,
        r.attempted
            ? core::format_quantity(static_cast<double>(n) / static_cast<double>(r.attempted),
                                    core::Unit::kPercent)
            : "-");
  }
  std::sort(bars.begin(), bars.end(), [](auto& a, auto& b) { return a.second > b.second; });
  return svg::bar_chart("Errors by kind", bars) + table + "</table>\n";
}

std::string context_block(const metrics::RunResult& r) {
  std::string out = "<table class=\"context\">\n";
  const auto row = [&](std::string_view k, const std::string& v) {
    fmt::format_to(std::back_inserter(out),
                   "<tr><td>{}</td><td style=\"text-align:left\">{}</td>"
                   "</tr>\n",
                   escape(k), escape(v));
  };
  row("started", utc_text(r.started_at_ms));
  row("ended", utc_text(r.ended_at_ms));
  row("profile", r.profile);
  if (r.shard.count > 1) row("shard", fmt::format("{} of {}", r.shard.index, r.shard.count));
  row("min_samples", std::to_string(r.min_samples));
  for (const auto& [k, v] : r.context.items())
    row(k, v.is_string() ? v.get<std::string>() : v.dump());
  return out + "</table>\n";
}

// A capacity search: its answer, the curve of latency against offered rate (steps sorted by
// rate), and every step in the order run.
std::string capacity_block(const metrics::RunResult& r) {
  const metrics::CapacityCurve& c = *r.capacity;
  std::string out;
  auto it = std::back_inserter(out);
  const auto rate = [](const std::optional<double>& v) {
    return v ? core::format_quantity(*v, core::Unit::kRate) : std::string("none");
  };
  fmt::format_to(it,
                 "<p class=\"facts\">capacity <strong>{}</strong> (every threshold held) · "
                 "lowest rate that broke {} · {} steps in {:.0f} s · ended: {} (precision "
                 "{})</p>\n",
                 escape(rate(c.highest_held)), escape(rate(c.lowest_broken)), c.steps.size(),
                 c.search_s, escape(c.ended_by),
                 escape(core::format_quantity(c.precision, core::Unit::kPercent)));
  std::vector<const metrics::CapacityStep*> by_rate;
  for (const auto& step : c.steps) by_rate.push_back(&step);
  std::sort(by_rate.begin(), by_rate.end(),
            [](const auto* a, const auto* b) { return a->rate < b->rate; });
  svg::Series p50{"p50 latency", {}}, p95{"p95 latency", {}}, p99{"p99 latency", {}};
  svg::Series errors{"error rate", {}}, throughput{"completed/s", {}};
  for (const auto* step : by_rate) {
    p50.points.emplace_back(step->rate, static_cast<double>(step->p50_ns));
    p95.points.emplace_back(step->rate, static_cast<double>(step->p95_ns));
    p99.points.emplace_back(step->rate, static_cast<double>(step->p99_ns));
    errors.points.emplace_back(step->rate, step->error_rate);
    throughput.points.emplace_back(step->rate, step->throughput);
  }
  out += "<div class=\"charts\">\n" +
         svg::line_chart(
             {"Latency against offered rate", "latency", svg::XAxis::kRate, core::Unit::kDuration},
             {p50, p95, p99}) +
         svg::line_chart({"Completed against offered rate", "operations per second",
                          svg::XAxis::kRate, core::Unit::kRate},
                         {throughput}) +
         svg::line_chart({"Errors against offered rate", "failed / attempted", svg::XAxis::kRate,
                          core::Unit::kPercent},
                         {errors}) +
         "</div>\n";
  out +=
      "<table><tr><th>step</th><th>offered</th><th>held</th><th>completed/s</th><th>p50</th>"
      "<th>p95</th><th>p99</th><th>errors</th><th>samples</th><th>broken rules</th></tr>\n";
  for (std::size_t i = 0; i < c.steps.size(); ++i) {
    const metrics::CapacityStep& s = c.steps[i];
    const auto d = [](std::int64_t ns) {
      return core::format_quantity(static_cast<double>(ns), core::Unit::kDuration);
    };
    std::string broken;
    for (const auto& rule : s.broken) broken += (broken.empty() ? "" : ", ") + rule;
    fmt::format_to(it,
                   "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}"
                   "</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                   i + 1, escape(core::format_quantity(s.rate, core::Unit::kRate)),
                   s.held ? "✓" : "✗",
                   escape(core::format_quantity(s.throughput, core::Unit::kRate)),
                   escape(d(s.p50_ns)), escape(d(s.p95_ns)), escape(d(s.p99_ns)),
                   escape(core::format_quantity(s.error_rate, core::Unit::kPercent)), s.samples,
                   escape(broken));
  }
  return out + "</table>\n";
}

// An A/B run: how it was made and each side's figures (the verdicts are the thresholds').
std::string ab_block(const metrics::RunResult& r) {
  std::string out = fmt::format(
      "<p class=\"facts\">{}</p>\n<table>\n<tr><th>side</th>"
      "<th>operations</th><th>latency p50</th><th>p95</th><th>p99</th>"
      "<th>throughput</th><th>error rate</th></tr>\n",
      escape(ab_text(r)));
  for (const AbSideRow& s : ab_side_rows(r)) {
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        escape(s.side), s.operations, escape(s.p50), escape(s.p95), escape(s.p99),
        escape(s.throughput), escape(s.error_rate));
  }
  return out + "</table>\n";
}

std::string run_section(const metrics::RunResult& r, const std::string& id) {
  std::string out;
  auto it = std::back_inserter(out);
  fmt::format_to(it, "<section class=\"run {}\" id=\"{}\">\n<h2>{} / {} {}</h2>\n",
                 r.passed ? "passed" : "failed", id, escape(r.suite), escape(r.scenario),
                 verdict_badge(r));
  fmt::format_to(it,
                 "<p class=\"facts\">{} · started {} · profile {} · {:.1f} s · {} operations, {} "
                 "completed, {} failed · {} samples · best tier met by every rule: {}</p>\n",
                 escape(origin_text(r)), utc_text(r.started_at_ms), escape(r.profile), r.duration_s,
                 r.attempted, r.completed, r.failed, r.samples(), escape(r.best_tier));
  out += "<h3>Thresholds</h3>\n" + thresholds_table(r);
  if (r.ab) out += "<h3>A/B</h3>\n" + ab_block(r);
  if (r.capacity) out += "<h3>Capacity search</h3>\n" + capacity_block(r);
  out += "<h3>Charts</h3>\n<div class=\"charts\">\n" + percentile_chart(r) + over_time_charts(r) +
         "</div>\n";
  out += "<h3>Errors by kind</h3>\n" + errors_block(r);
  out += "<h3>Metrics</h3>\n" + metrics_table(r);
  out += "<h3>Run context</h3>\n" + context_block(r);
  return out + "</section>\n";
}

}  // namespace

std::string html_report(const std::vector<metrics::RunResult>& runs_in, const std::string& title) {
  std::vector<const metrics::RunResult*> runs;
  for (const auto& r : runs_in) runs.push_back(&r);
  std::stable_sort(runs.begin(), runs.end(), [](const auto* a, const auto* b) {
    if (a->passed != b->passed) return !a->passed;  // failures first
    return std::tie(a->suite, a->scenario, a->shard.index) <
           std::tie(b->suite, b->scenario, b->shard.index);
  });
  const auto failed = static_cast<std::size_t>(
      std::count_if(runs.begin(), runs.end(), [](const auto* r) { return !r->passed; }));
  std::string out;
  auto it = std::back_inserter(out);
  fmt::format_to(it,
                 "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>{}"
                 "</title>\n<style>{}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
                 escape(title), kStyle, escape(title));
  fmt::format_to(it,
                 "<p class=\"facts\">{} runs: {} passed, <span class=\"{}\">{} failed</span>"
                 "</p>\n",
                 runs.size(), runs.size() - failed, failed ? "fail" : "pass", failed);
  out +=
      "<table class=\"index\"><tr><th>suite / scenario</th><th>run</th><th>verdict</th>"
      "<th>failed rules</th><th>best tier</th><th>samples</th><th>duration</th><th>started</th>"
      "</tr>\n";
  const std::vector<std::string> ids = anchors(runs);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const metrics::RunResult* r = runs[i];
    std::string failing;
    for (const auto& t : r->thresholds) {
      if (!t.passed) failing += (failing.empty() ? "" : ", ") + t.metric + " " + t.statistic;
    }
    fmt::format_to(
        it,
        "<tr><td><a href=\"#{}\">{} / {}</a></td><td>{}</td><td>{}</td><td class=\"fail\">{}"
        "</td><td>{}</td><td>{}</td><td>{:.1f} s</td><td>{}</td></tr>\n",
        ids[i], escape(r->suite), escape(r->scenario), escape(origin_text(*r)), verdict_badge(*r),
        escape(failing), escape(r->best_tier), r->samples(), r->duration_s,
        utc_text(r->started_at_ms));
  }
  out += "</table>\n";
  for (std::size_t i = 0; i < runs.size(); ++i) out += run_section(*runs[i], ids[i]);
  fmt::format_to(it, "<script>{}</script>\n</body></html>\n", kCheckScript);
  return out;
}

}  // namespace perfgate::report
