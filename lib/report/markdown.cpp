// markdown.cpp - The verdict as Markdown tables.
#include "perfgate/report/markdown.hpp"

#include <fmt/format.h>

#include "figures.hpp"

namespace perfgate::report {
namespace {

// Table cells: a pipe ends a cell, and HTML in a cell renders.
std::string cell(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '|')
      out += "\\|";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string verdict(const metrics::RunResult& r) {
  if (!r.judged) return "not judged";
  if (r.interrupted) return "❌ interrupted";
  return r.passed ? "✅ passed" : "❌ failed";
}

}  // namespace

std::string markdown_report(const std::vector<metrics::RunResult>& runs, const std::string& title) {
  std::string out = fmt::format("## {}\n\n", cell(title));
  out += "| run | profile | verdict | best tier | samples |\n|---|---|---|---|---|\n";
  for (const metrics::RunResult& r : runs) {
    out += fmt::format("| {}/{} | {} | {} | {} | {} |\n", cell(r.suite), cell(r.scenario),
                       cell(r.profile), verdict(r), cell(r.best_tier), r.samples());
  }
  for (const metrics::RunResult& r : runs) {
    out += fmt::format("\n### {}/{}: {}\n\n", cell(r.suite), cell(r.scenario), verdict(r));
    if (r.ab) out += cell(ab_text(r)) + "\n\n";
    out += "| rule | measured | limit | samples | | tier | note |\n|---|---|---|---|---|---|---|\n";
    for (const metrics::ThresholdOutcome& t : r.thresholds) {
      const std::string key = t.statistic == "count" ? std::string("samples") : t.metric;
      const auto v = [&](double x) {
        return t.statistic == "count" ? core::format_quantity(x, core::Unit::kCount)
                                      : value_text(x, key);
      };
      out += fmt::format("| {} {} | {} | {} {} | {} | {} | {} | {} |\n", cell(t.metric),
                         cell(t.statistic), t.measured ? v(*t.measured) : "-", cell(t.comparison),
                         v(t.limit), t.samples, t.passed ? "✅" : "❌", cell(t.tier), cell(t.note));
    }
  }
  return out;
}

}  // namespace perfgate::report
