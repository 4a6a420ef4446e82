#include "report/svg_chart.h"

#include <gtest/gtest.h>

#include <cmath>
#include <regex>

namespace faasdl::report {
namespace {

size_t occurrences(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + 1)) ++n;
  return n;
}

bool has_non_finite_text(const std::string& s) {
  static const std::regex bad(R"(\b(nan|inf)\b)", std::regex::icase);
  return std::regex_search(s, bad);
}

TEST(XmlEscape, EscapesMarkupCharacters) {
  EXPECT_EQ(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(xml_escape("plain"), "plain");
}

TEST(FormatNumber, ReadableAndNeverNonFinite) {
  EXPECT_EQ(format_number(0.0010000000474974513, 6), "0.001");
  EXPECT_EQ(format_number(12345.0, 4), "12345");
  EXPECT_EQ(format_number(0.125), "0.125");
  EXPECT_EQ(format_number(2.0), "2");
  EXPECT_EQ(format_number(-0.5), "-0.5");
  EXPECT_EQ(format_number(1e-7), "1e-07");
  EXPECT_EQ(format_number(0.0), "0");
  EXPECT_EQ(format_number(NAN), "–");
  EXPECT_EQ(format_number(INFINITY), "–");
}

TEST(LineChart, DrawsSeriesAxesAndLegend) {
  LineChart chart({"Loss <train>", "epoch", "loss"});
  chart.integer_x()
      .add_series({"train & more", {1, 2, 3}, {2.0, 1.5, 1.2}, "", false})
      .add_series({"val", {1, 2, 3}, {2.1, NAN, 1.4}, "#ff0000", true});
  const std::string svg = chart.svg();
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("Loss &lt;train&gt;"), std::string::npos);
  EXPECT_NE(svg.find("train &amp; more"), std::string::npos);
  EXPECT_EQ(svg.find("<train>"), std::string::npos);
  EXPECT_EQ(occurrences(svg, "<path"), 2u);
  EXPECT_NE(svg.find("stroke-dasharray=\"6 4\""), std::string::npos);
  // The gap at NaN splits the dashed line into two pieces: two "M" moves in one path.
  const size_t dashed = svg.find("stroke=\"#ff0000\" stroke-width=\"2.2\"");
  ASSERT_NE(dashed, std::string::npos);
  const size_t path_start = svg.rfind("<path d=\"", dashed);
  EXPECT_EQ(occurrences(svg.substr(path_start, dashed - path_start), "M"), 2u);
  // 5 finite points, one marker each.
  EXPECT_EQ(occurrences(svg, "<circle"), 5u);
  // Integer epoch ticks only.
  EXPECT_NE(svg.find(">1</text>"), std::string::npos);
  EXPECT_EQ(svg.find(">1.5</text>"), std::string::npos);
  EXPECT_FALSE(has_non_finite_text(svg));
}

TEST(LineChart, EmptyAndSinglePointAreSafe) {
  const std::string empty = LineChart({"Nothing"}).svg();
  EXPECT_NE(empty.find("no data"), std::string::npos);
  EXPECT_FALSE(has_non_finite_text(empty));
  LineChart one({"One"});
  one.integer_x().add_series({"a", {1}, {0.5}, "", false});
  const std::string svg = one.svg();
  EXPECT_EQ(occurrences(svg, "<circle"), 1u);
  EXPECT_FALSE(has_non_finite_text(svg));
}

TEST(BarChart, StacksSeriesAndLabelsTotals) {
  BarChart chart({"Time", "epoch", "s"});
  chart.categories({"1", "2", "3"})
      .add_series("load", {1, 2, NAN})
      .add_series("compute", {3, -1, 4})
      .value_format([](double v) { return format_number(v, 3) + " s"; });
  const std::string svg = chart.svg();
  // 1+3 stacked, 2 alone (negative dropped), 4 alone (NaN dropped) -> 4 segments with tooltips.
  EXPECT_EQ(occurrences(svg, "<rect"), 4u + 2u);  // + two legend swatches
  EXPECT_NE(svg.find(">4 s</text>"), std::string::npos);
  EXPECT_NE(svg.find(">2 s</text>"), std::string::npos);
  EXPECT_NE(svg.find("1 · compute: 3 s"), std::string::npos);
  EXPECT_FALSE(has_non_finite_text(svg));
  EXPECT_NE(BarChart({"Empty"}).categories({"1"}).add_series("x", {NAN}).svg().find("no data"), std::string::npos);
}

TEST(Timeline, OneRowPerLabelAndEscapedTooltips) {
  Timeline chart({"Invocations", "seconds"});
  chart.add_bar({"worker 0", 0.0, 1.5, 0, "w0 <r1>", false})
      .add_bar({"worker 1", 0.1, 1.2, 0, "", true})
      .add_bar({"worker 0", 1.6, 2.4, 1, "", false})
      .group_name(0, "round 1")
      .group_name(1, "round 2")
      .flag_label("retried");
  const std::string svg = chart.svg();
  EXPECT_EQ(occurrences(svg, ">worker 0</text>"), 1u);
  EXPECT_EQ(occurrences(svg, ">worker 1</text>"), 1u);
  EXPECT_NE(svg.find(">round 2</text>"), std::string::npos);
  EXPECT_NE(svg.find(">retried</text>"), std::string::npos);
  EXPECT_NE(svg.find("<title>w0 &lt;r1&gt;</title>"), std::string::npos);
  EXPECT_NE(svg.find(chart_color(1)), std::string::npos);
  EXPECT_FALSE(has_non_finite_text(svg));
}

TEST(Timeline, ManyRowsStayReadable) {
  Timeline chart({"Many"});
  for (int w = 0; w < 200; ++w)
    chart.add_bar({"worker " + std::to_string(w), w * 0.01, 1.0 + w * 0.01, w % 3, "", false});
  const std::string svg = chart.svg();
  EXPECT_EQ(occurrences(svg, "<title>"), 0u);
  // Labels are thinned so they do not overlap.
  EXPECT_LT(occurrences(svg, ">worker "), 200u);
  EXPECT_GT(occurrences(svg, ">worker "), 10u);
}

}  // namespace
}  // namespace faasdl::report
