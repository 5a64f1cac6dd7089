// svg_chart.hpp - Inline SVG line and bar charts for the HTML report (internal to report).
//
// Charts are drawn here, as SVG text, so the report is one file that opens offline and needs no
// chart library. Every chart is an <svg class="chart"> whose series are <polyline class="series">
// elements carrying `data-points` (how many points were drawn); the page's check script and the
// screenshot test read those.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "perfgate/core/units.hpp"

namespace perfgate::report::svg {

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y), x increasing
};

enum class XAxis {
  kSeconds,     // x in seconds since the run's start
  kPercentile,  // x = -log10(1 - p/100): ticks at 0%, 90%, 99%, 99.9%, ...
  kRate,        // x in operations per second (a capacity search's offered rates)
};

struct LineChart {
  std::string title;
  std::string y_label;
  XAxis x_axis = XAxis::kSeconds;
  core::Unit y_unit = core::Unit::kCount;  // ticks are formatted in this unit
};

// A line chart of `series` (at most 8 drawn, each in its own colour, with a legend). A chart with
// no points says so in place of the plot.
std::string line_chart(const LineChart& chart, const std::vector<Series>& series);

// A horizontal bar chart of labelled counts (the error breakdown).
std::string bar_chart(const std::string& title,
                      const std::vector<std::pair<std::string, double>>& bars);

// Escapes text for HTML element content and attribute values.
std::string escape(std::string_view text);

// The x position of percentile `p` (in [0, 100)) on an XAxis::kPercentile axis.
double percentile_x(double p);

}  // namespace perfgate::report::svg
