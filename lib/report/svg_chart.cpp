// svg_chart.cpp - Inline SVG charts for the HTML report.
#include "svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace perfgate::report::svg {
namespace {

constexpr double kWidth = 720, kHeight = 270;  // without the legend rows
constexpr double kLeft = 78, kRight = 40, kTop = 34, kBottom = 46;
constexpr double kPlotW = kWidth - kLeft - kRight, kPlotH = kHeight - kTop - kBottom;
constexpr double kLegendColumn = 210, kLegendRow = 16;
constexpr std::size_t kMaxSeries = 8;
constexpr const char* kColours[kMaxSeries] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                              "#9467bd", "#8c564b", "#e377c2", "#17becf"};

// A "nice" tick step (1, 2 or 5 times a power of ten) giving about `ticks` intervals over `span`.
double nice_step(double span, int ticks) {
  if (!(span > 0)) return 1;
  const double raw = span / ticks;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

// 0 -> "0%", 1 -> "90%", 2 -> "99%", 3 -> "99.9%", 4 -> "99.99%", ...
std::string percentile_label(int nines) {
  if (nines == 0) return "0%";
  if (nines == 1) return "90%";
  return "99" + (nines > 2 ? "." + std::string(static_cast<std::size_t>(nines - 2), '9') : "") +
         "%";
}

std::string frame(const std::string& title, const std::string& body, std::size_t series,
                  std::size_t points, double height = kHeight, const char* kind = "chart") {
  return fmt::format(
      "<svg class=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" "
      "width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"{}\" data-series=\"{}\" "
      "data-points=\"{}\">\n<text class=\"title\" x=\"{}\" y=\"20\">{}</text>\n{}</svg>\n",
      kind, kWidth, height, kWidth, height, escape(title), series, points, kLeft, escape(title),
      body);
}

}  // namespace

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

double percentile_x(double p) { return -std::log10(1.0 - std::min(p, 99.9999999) / 100.0); }

std::string line_chart(const LineChart& chart, const std::vector<Series>& all_series) {
  std::vector<const Series*> drawn;
  for (const Series& s : all_series) {
    if (!s.points.empty() && drawn.size() < kMaxSeries) drawn.push_back(&s);
  }
  if (drawn.empty()) {
    return frame(chart.title,
                 fmt::format("<text class=\"empty\" x=\"{}\" y=\"{}\">no samples</text>\n",
                             kLeft + kPlotW / 2, kTop + kPlotH / 2),
                 0, 0);
  }
  double x_min = drawn[0]->points.front().first, x_max = x_min, y_max = 0;
  for (const Series* s : drawn) {
    for (const auto& [x, y] : s->points) {
      x_min = std::min(x_min, x);
      x_max = std::max(x_max, x);
      y_max = std::max(y_max, y);
    }
  }
  if (chart.x_axis == XAxis::kPercentile) {
    x_min = 0;
    x_max = std::max(1.0, std::ceil(x_max - 1e-9));
  }
  if (x_max <= x_min) x_max = x_min + 1;
  const double y_step = nice_step(y_max > 0 ? y_max : 1, 5);
  const double y_top = std::max(y_step, std::ceil(y_max / y_step) * y_step);
  const auto px = [&](double x) { return kLeft + (x - x_min) / (x_max - x_min) * kPlotW; };
  const auto py = [&](double y) { return kTop + kPlotH - y / y_top * kPlotH; };

  std::string body;
  auto out = std::back_inserter(body);
  // Grid and y ticks.
  for (double y = 0; y <= y_top * (1 + 1e-9); y += y_step) {
    fmt::format_to(out,
                   "<line class=\"grid\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>"
                   "<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n",
                   kLeft, py(y), kLeft + kPlotW, py(y), kLeft - 6, py(y) + 4,
                   escape(core::format_quantity(y, chart.y_unit)));
  }
  // X ticks.
  if (chart.x_axis == XAxis::kPercentile) {
    for (int n = 0; n <= static_cast<int>(x_max); ++n) {
      fmt::format_to(out,
                     "<line class=\"grid\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" "
                     "y2=\"{2:.1f}\"/><text class=\"tick\" x=\"{0:.1f}\" y=\"{3:.1f}\" "
                     "text-anchor=\"middle\">{4}</text>\n",
                     px(n), kTop, kTop + kPlotH, kTop + kPlotH + 16, percentile_label(n));
    }
  } else {
    const double step = nice_step(x_max - x_min, 8);
    for (double x = std::ceil(x_min / step) * step; x <= x_max + 1e-9; x += step) {
      fmt::format_to(out,
                     "<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" "
                     "text-anchor=\"middle\">{}</text>\n",
                     px(x), kTop + kPlotH + 16,
                     chart.x_axis == XAxis::kRate
                         ? escape(core::format_quantity(x, core::Unit::kRate))
                         : fmt::format("{}s", x));
    }
  }
  fmt::format_to(
      out, "<text class=\"axis\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
      kLeft + kPlotW / 2, kHeight - 6,
      chart.x_axis == XAxis::kPercentile ? "percentile"
      : chart.x_axis == XAxis::kRate     ? "offered rate"
                                         : "time since start");
  fmt::format_to(out,
                 "<text class=\"axis\" transform=\"translate(14,{:.1f}) rotate(-90)\" "
                 "text-anchor=\"middle\">{}</text>\n",
                 kTop + kPlotH / 2, escape(chart.y_label));
  std::size_t total_points = 0;
  for (std::size_t i = 0; i < drawn.size(); ++i) {
    std::string coords;
    for (const auto& [x, y] : drawn[i]->points) {
      fmt::format_to(std::back_inserter(coords), "{:.1f},{:.1f} ", px(x), py(y));
    }
    total_points += drawn[i]->points.size();
    fmt::format_to(out,
                   "<polyline class=\"series\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.8\" "
                   "data-name=\"{}\" data-points=\"{}\" points=\"{}\"/>\n",
                   kColours[i], escape(drawn[i]->name), drawn[i]->points.size(), coords);
    // The legend sits under the plot, three entries a row, so it never hides a line.
    const double lx = kLeft + kLegendColumn * static_cast<double>(i % 3);
    const double ly = kHeight + 12 + kLegendRow * static_cast<double>(i / 3);
    fmt::format_to(out,
                   "<rect x=\"{0:.1f}\" y=\"{1:.1f}\" width=\"10\" height=\"10\" fill=\"{2}\"/>"
                   "<text class=\"legend\" x=\"{3:.1f}\" y=\"{4:.1f}\">{5}</text>\n",
                   lx, ly - 9, kColours[i], lx + 14, ly, escape(drawn[i]->name));
  }
  fmt::format_to(out,
                 "<rect class=\"plot\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" "
                 "fill=\"none\"/>\n",
                 kLeft, kTop, kPlotW, kPlotH);
  const double legend_rows = std::ceil(static_cast<double>(drawn.size()) / 3);
  return frame(chart.title, body, drawn.size(), total_points,
               kHeight + 6 + kLegendRow * legend_rows);
}

std::string bar_chart(const std::string& title,
                      const std::vector<std::pair<std::string, double>>& bars) {
  if (bars.empty()) return {};
  double top = 0;
  for (const auto& [_, v] : bars) top = std::max(top, v);
  if (!(top > 0)) top = 1;
  const double row = 22, left = 150, width = kWidth - left - 90;
  std::string body;
  auto out = std::back_inserter(body);
  double y = kTop;
  for (const auto& [label, v] : bars) {
    fmt::format_to(out,
                   "<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>"
                   "<rect class=\"bar\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
                   "height=\"{:.1f}\" fill=\"#d62728\"/>"
                   "<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n",
                   left - 8, y + 14, escape(label), left, y + 3, std::max(1.0, v / top * width),
                   row - 6, left + std::max(1.0, v / top * width) + 6, y + 14,
                   core::format_quantity(v, core::Unit::kCount));
    y += row;
  }
  return frame(title, body, 1, bars.size(), y + 10, "chart bars");
}

}  // namespace perfgate::report::svg
