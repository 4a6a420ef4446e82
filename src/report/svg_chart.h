// Small SVG chart builders for the HTML report: line charts, (stacked) bar charts and a Gantt-style
// timeline. Each builder collects data and returns one self-contained <svg> element as a string;
// every piece of text is escaped, and non-finite values are skipped rather than printed.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace faasdl::report {

// Escapes & < > " ' so the text is safe in XML/HTML element content and attribute values.
std::string xml_escape(std::string_view text);

// Up to `significant` significant digits without trailing zeros ("0.125", "12345", "1.5e-07");
// non-finite values give "–" so no "nan"/"inf" ever reaches a page.
std::string format_number(double value, int significant = 4);

// The report's categorical colours (Tableau 10); colour(i) wraps around.
const std::vector<std::string>& chart_palette();
const std::string& chart_color(size_t index);

// What every chart has around its plot area.
struct ChartFrame {
  std::string title{};    // drawn above the plot; empty for none
  std::string x_label{};  // centred under the x axis; empty for none
  std::string y_label{};  // rotated, left of the y axis; empty for none (Timeline rows label themselves)
  int width = 560;        // SVG user units; the page scales the SVG to its container
  int height = 300;       // ignored by Timeline, which sizes itself by its number of rows
};

struct LineSeries {
  std::string name{};       // legend text
  std::vector<double> x{};  // same length as y
  std::vector<double> y{};  // a non-finite value leaves a gap in the line
  std::string color{};      // CSS colour; empty picks the next palette colour
  bool dashed = false;      // dashed stroke (e.g. validation next to training)
};

class LineChart {
 public:
  explicit LineChart(ChartFrame frame) : frame_(std::move(frame)) {}
  LineChart& add_series(LineSeries series);
  // Ticks on whole numbers only (epochs). Default false.
  LineChart& integer_x(bool on = true);
  std::string svg() const;

 private:
  ChartFrame frame_;
  std::vector<LineSeries> series_;
  bool integer_x_ = false;
};

// Bars per category; several series stack bottom-up in the order they were added. Negative and
// non-finite values count as 0.
class BarChart {
 public:
  explicit BarChart(ChartFrame frame) : frame_(std::move(frame)) {}
  BarChart& categories(std::vector<std::string> labels);
  BarChart& add_series(std::string name, std::vector<double> values, std::string color = "");
  // Formats the totals written above the bars and in tooltips. Default format_number(v, 3).
  BarChart& value_format(std::function<std::string(double)> format);
  std::string svg() const;

 private:
  struct Series {
    std::string name, color;
    std::vector<double> values;
  };
  ChartFrame frame_;
  std::vector<std::string> categories_;
  std::vector<Series> series_;
  std::function<std::string(double)> format_;
};

struct TimelineBar {
  std::string row{};      // row label; rows appear in the order first seen
  double start = 0;       // x units (the caller's choice, e.g. seconds)
  double end = 0;         // end < start is drawn as a sliver at start
  int group = 0;          // colour index (e.g. the round)
  std::string tooltip{};  // shown on hover through <title>; empty for none
  bool flagged = false;   // drawn with a dark outline (e.g. the invocation was retried)
};

// One row per label, bars from start to end coloured by group.
class Timeline {
 public:
  explicit Timeline(ChartFrame frame) : frame_(std::move(frame)) {}
  Timeline& add_bar(TimelineBar bar);
  // Legend text of a group; groups without a name show as "group N".
  Timeline& group_name(int group, std::string name);
  // Legend text for flagged bars; empty (default) leaves them out of the legend.
  Timeline& flag_label(std::string label);
  std::string svg() const;

 private:
  ChartFrame frame_;
  std::vector<TimelineBar> bars_;
  std::vector<std::pair<int, std::string>> group_names_;
  std::string flag_label_;
};

}  // namespace faasdl::report
