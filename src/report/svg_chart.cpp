#include "report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace faasdl::report {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string format_number(double value, int significant) {
  if (!std::isfinite(value)) return "–";
  if (value == 0) return "0";
  significant = std::clamp(significant, 1, 17);
  char buf[64];
  const double mag = std::fabs(value);
  if (mag < 1e-4 || mag >= 1e12) {
    std::snprintf(buf, sizeof buf, "%.*g", significant, value);
    return buf;
  }
  // Plain decimals (no exponent) in the everyday range, trailing zeros dropped.
  const int decimals = std::max(0, significant - 1 - static_cast<int>(std::floor(std::log10(mag))));
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

const std::vector<std::string>& chart_palette() {
  static const std::vector<std::string> colors = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                                                  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
  return colors;
}

const std::string& chart_color(size_t index) { return chart_palette()[index % chart_palette().size()]; }

namespace {

constexpr double kCharWidth = 6.4;  // average advance of a 12 px sans-serif glyph
constexpr const char* kInk = "#1f2937";
constexpr const char* kMutedInk = "#6b7280";
constexpr const char* kGrid = "#e5e7eb";
constexpr const char* kAxis = "#9ca3af";

// An SVG coordinate or length: one decimal, never non-finite.
std::string px(double v) {
  if (!std::isfinite(v)) v = 0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  std::string s = buf;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  if (s == "-0") s = "0";
  return s;
}

double text_width(std::string_view text, double font_px = 12) {
  return static_cast<double>(text.size()) * kCharWidth * font_px / 12.0;
}

// A linear axis with "nice" bounds and a step of 1, 2 or 5 times a power of ten.
struct Axis {
  double lo = 0, hi = 1, step = 0.2;

  std::vector<double> ticks() const {
    std::vector<double> out;
    const int n = static_cast<int>(std::llround((hi - lo) / step));
    for (int i = 0; i <= n; ++i) out.push_back(lo + step * i);
    return out;
  }
  // Maps a value to [0, 1] along the axis.
  double frac(double v) const { return hi > lo ? (v - lo) / (hi - lo) : 0.5; }

  std::string label(double v) const {
    if (std::fabs(v) < step * 1e-6) return "0";
    if (std::fabs(v) >= 1e6 || step < 1e-4) return format_number(v, 3);
    const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
  }
};

Axis nice_axis(double lo, double hi, int target_ticks, bool integer = false) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (hi < lo) std::swap(lo, hi);
  if (hi == lo) {
    const double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / std::max(1, target_ticks);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  double step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
  if (integer) step = std::max(1.0, std::round(step));
  Axis axis;
  axis.step = step;
  axis.lo = std::floor(lo / step + 1e-9) * step;
  axis.hi = std::ceil(hi / step - 1e-9) * step;
  if (axis.hi <= axis.lo) axis.hi = axis.lo + step;
  return axis;
}

struct PlotArea {
  double left, top, right, bottom;
  double width() const { return right - left; }
  double height() const { return bottom - top; }
};

struct LegendItem {
  std::string name, color;
  enum Kind { kLine, kDashed, kBox } kind = kBox;
  bool outlined = false;
};

std::string open_svg(const ChartFrame& frame, int height) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 " + px(frame.width) + " " +
         px(height) + "\" width=\"" + px(frame.width) + "\" height=\"" + px(height) + "\" role=\"img\" aria-label=\"" +
         xml_escape(frame.title) +
         "\" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif\" "
         "font-size=\"12\">\n";
}

std::string text(double x, double y, std::string_view content, std::string_view extra_attrs = "") {
  std::string s = "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\"";
  if (!extra_attrs.empty()) s += " " + std::string(extra_attrs);
  return s + ">" + xml_escape(content) + "</text>\n";
}

// Title and legend; returns the y where the plot may begin.
double draw_header(std::string& out, const ChartFrame& frame, const std::vector<LegendItem>& legend) {
  double y = 10;
  if (!frame.title.empty()) {
    out += text(14, 26, frame.title, "font-size=\"15\" font-weight=\"600\" fill=\"" + std::string(kInk) + "\"");
    y = 36;
  }
  if (legend.empty()) return y + 8;
  double x = 14;
  double line_y = y + 12;
  for (const auto& item : legend) {
    const double w = 22 + text_width(item.name) + 16;
    if (x > 14 && x + w > frame.width - 10) {
      x = 14;
      line_y += 18;
    }
    if (item.kind == LegendItem::kBox) {
      out += "<rect x=\"" + px(x) + "\" y=\"" + px(line_y - 9) + "\" width=\"12\" height=\"12\" rx=\"2\" fill=\"" +
             xml_escape(item.color) + "\"";
      if (item.outlined) out += " stroke=\"#7f1d1d\" stroke-width=\"1.5\"";
      out += "/>\n";
    } else {
      out += "<line x1=\"" + px(x) + "\" y1=\"" + px(line_y - 3) + "\" x2=\"" + px(x + 16) + "\" y2=\"" +
             px(line_y - 3) + "\" stroke=\"" + xml_escape(item.color) + "\" stroke-width=\"2.5\"" +
             (item.kind == LegendItem::kDashed ? " stroke-dasharray=\"5 3\"" : "") + "/>\n";
    }
    out += text(x + 20, line_y + 1, item.name, "fill=\"" + std::string(kInk) + "\"");
    x += w;
  }
  return line_y + 14;
}

// Horizontal gridlines with tick labels on the left, and the rotated y label.
void draw_y_axis(std::string& out, const Axis& axis, const PlotArea& p, const ChartFrame& frame) {
  for (const double t : axis.ticks()) {
    const double y = p.bottom - axis.frac(t) * p.height();
    out += "<line x1=\"" + px(p.left) + "\" y1=\"" + px(y) + "\" x2=\"" + px(p.right) + "\" y2=\"" + px(y) +
           "\" stroke=\"" + kGrid + "\"/>\n";
    out += text(p.left - 7, y + 4, axis.label(t), "text-anchor=\"end\" fill=\"" + std::string(kMutedInk) + "\"");
  }
  if (!frame.y_label.empty()) {
    const double cy = (p.top + p.bottom) / 2;
    out += text(
        16, cy, frame.y_label,
        "text-anchor=\"middle\" fill=\"" + std::string(kMutedInk) + "\" transform=\"rotate(-90 16 " + px(cy) + ")\"");
  }
}

// Vertical gridlines with tick labels under a numeric x axis, and the x label.
void draw_x_axis(std::string& out, const Axis& axis, const PlotArea& p, const ChartFrame& frame, int height) {
  for (const double t : axis.ticks()) {
    const double x = p.left + axis.frac(t) * p.width();
    out += "<line x1=\"" + px(x) + "\" y1=\"" + px(p.top) + "\" x2=\"" + px(x) + "\" y2=\"" + px(p.bottom) +
           "\" stroke=\"" + kGrid + "\" stroke-dasharray=\"2 3\"/>\n";
    out += text(x, p.bottom + 17, axis.label(t), "text-anchor=\"middle\" fill=\"" + std::string(kMutedInk) + "\"");
  }
  if (!frame.x_label.empty())
    out += text((p.left + p.right) / 2, height - 8, frame.x_label,
                "text-anchor=\"middle\" fill=\"" + std::string(kMutedInk) + "\"");
}

void draw_frame_lines(std::string& out, const PlotArea& p) {
  out += "<line x1=\"" + px(p.left) + "\" y1=\"" + px(p.bottom) + "\" x2=\"" + px(p.right) + "\" y2=\"" + px(p.bottom) +
         "\" stroke=\"" + kAxis + "\"/>\n";
  out += "<line x1=\"" + px(p.left) + "\" y1=\"" + px(p.top) + "\" x2=\"" + px(p.left) + "\" y2=\"" + px(p.bottom) +
         "\" stroke=\"" + kAxis + "\"/>\n";
}

std::string no_data(const PlotArea& p) {
  return text((p.left + p.right) / 2, (p.top + p.bottom) / 2, "no data",
              "text-anchor=\"middle\" fill=\"" + std::string(kMutedInk) + "\" font-style=\"italic\"");
}

// Widest tick label of an axis, for the left margin.
double widest_label(const Axis& axis) {
  double w = 0;
  for (const double t : axis.ticks()) w = std::max(w, text_width(axis.label(t)));
  return w;
}

}  // namespace

// ---- LineChart ----------------------------------------------------------------------------------

LineChart& LineChart::add_series(LineSeries series) {
  if (series.color.empty()) series.color = chart_color(series_.size());
  series_.push_back(std::move(series));
  return *this;
}

LineChart& LineChart::integer_x(bool on) {
  integer_x_ = on;
  return *this;
}

std::string LineChart::svg() const {
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  size_t points = 0;
  for (const auto& s : series_) {
    for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      xlo = std::min(xlo, s.x[i]), xhi = std::max(xhi, s.x[i]);
      ylo = std::min(ylo, s.y[i]), yhi = std::max(yhi, s.y[i]);
      ++points;
    }
  }
  const bool empty = points == 0;
  const Axis xa = nice_axis(xlo, xhi, std::min(10, std::max(2, static_cast<int>(xhi - xlo))), integer_x_);
  // A little headroom so lines do not run along the frame.
  const double pad = (yhi - ylo) * 0.04;
  const Axis ya = nice_axis(ylo - pad, yhi + pad, 5);

  std::vector<LegendItem> legend;
  for (const auto& s : series_) legend.push_back({s.name, s.color, s.dashed ? LegendItem::kDashed : LegendItem::kLine});
  std::string out = open_svg(frame_, frame_.height);
  const double top = draw_header(out, frame_, legend) + 4;
  const double left = std::max(44.0, widest_label(ya) + (frame_.y_label.empty() ? 16 : 34));
  const PlotArea p{left, top, frame_.width - 18.0, frame_.height - (frame_.x_label.empty() ? 28.0 : 42.0)};
  if (empty) {
    draw_frame_lines(out, p);
    return out + no_data(p) + "</svg>\n";
  }
  draw_y_axis(out, ya, p, frame_);
  draw_x_axis(out, xa, p, frame_, frame_.height);
  draw_frame_lines(out, p);

  auto sx = [&](double x) { return p.left + xa.frac(x) * p.width(); };
  auto sy = [&](double y) { return p.bottom - ya.frac(y) * p.height(); };
  for (const auto& s : series_) {
    const size_t n = std::min(s.x.size(), s.y.size());
    std::string d;
    bool pen_down = false;
    for (size_t i = 0; i < n; ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) {
        pen_down = false;
        continue;
      }
      d += (pen_down ? " L" : " M") + px(sx(s.x[i])) + " " + px(sy(s.y[i]));
      pen_down = true;
    }
    const std::string color = xml_escape(s.color);
    if (!d.empty())
      out += "<path d=\"" + d.substr(1) + "\" fill=\"none\" stroke=\"" + color +
             "\" stroke-width=\"2.2\" stroke-linejoin=\"round\" stroke-linecap=\"round\"" +
             (s.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>\n";
    if (n > 40) continue;  // markers only while they stay apart
    for (size_t i = 0; i < n; ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      out += "<circle cx=\"" + px(sx(s.x[i])) + "\" cy=\"" + px(sy(s.y[i])) + "\" r=\"3.2\" fill=\"" +
             (s.dashed ? std::string("#ffffff") : color) + "\" stroke=\"" + color + "\" stroke-width=\"1.6\"><title>" +
             xml_escape(s.name + " @ " + format_number(s.x[i], 6) + ": " + format_number(s.y[i], 5)) +
             "</title></circle>\n";
    }
  }
  return out + "</svg>\n";
}

// ---- BarChart -----------------------------------------------------------------------------------

BarChart& BarChart::categories(std::vector<std::string> labels) {
  categories_ = std::move(labels);
  return *this;
}

BarChart& BarChart::add_series(std::string name, std::vector<double> values, std::string color) {
  if (color.empty()) color = chart_color(series_.size());
  series_.push_back({std::move(name), std::move(color), std::move(values)});
  return *this;
}

BarChart& BarChart::value_format(std::function<std::string(double)> format) {
  format_ = std::move(format);
  return *this;
}

std::string BarChart::svg() const {
  const auto fmt = format_ ? format_ : [](double v) { return format_number(v, 3); };
  const size_t n = categories_.size();
  auto value = [](const std::vector<double>& v, size_t i) {
    return i < v.size() && std::isfinite(v[i]) && v[i] > 0 ? v[i] : 0.0;
  };
  std::vector<double> totals(n, 0.0);
  for (const auto& s : series_)
    for (size_t i = 0; i < n; ++i) totals[i] += value(s.values, i);
  const double max_total = n ? *std::max_element(totals.begin(), totals.end()) : 0.0;
  const bool empty = max_total <= 0;
  // Totals above the bars while they fit in their band.
  double widest_total = 0;
  for (const double t : totals) widest_total = std::max(widest_total, text_width(fmt(t), 11));
  const double approx_band = (frame_.width - 80.0) / static_cast<double>(std::max<size_t>(n, 1));
  const bool labels_on_bars = widest_total + 4 <= approx_band;
  const Axis ya = nice_axis(0, empty ? 1 : max_total * (labels_on_bars ? 1.08 : 1.0), 5);

  std::vector<LegendItem> legend;
  if (series_.size() > 1)
    for (const auto& s : series_) legend.push_back({s.name, s.color, LegendItem::kBox});
  std::string out = open_svg(frame_, frame_.height);
  const double top = draw_header(out, frame_, legend) + 4;
  const double left = std::max(44.0, widest_label(ya) + (frame_.y_label.empty() ? 16 : 34));
  const PlotArea p{left, top, frame_.width - 18.0, frame_.height - (frame_.x_label.empty() ? 28.0 : 42.0)};
  if (empty) {
    draw_frame_lines(out, p);
    return out + no_data(p) + "</svg>\n";
  }
  draw_y_axis(out, ya, p, frame_);
  if (!frame_.x_label.empty())
    out += text((p.left + p.right) / 2, frame_.height - 8, frame_.x_label,
                "text-anchor=\"middle\" fill=\"" + std::string(kMutedInk) + "\"");

  const double band = p.width() / static_cast<double>(n);
  const double bar_w = std::min(56.0, band * 0.64);
  // Show every k-th category label so that labels never overlap.
  double widest = 0;
  for (const auto& c : categories_) widest = std::max(widest, text_width(c));
  // Show every k-th category label (k = 1, 2, 5, 10, 20, 50...) so that labels never overlap;
  // with k > 1 the labels fall on the k-th, 2k-th... category (epochs 5, 10, 15) plus the first.
  const double bands_needed = (widest + 8) / band;
  size_t label_every = 1;
  for (size_t mag = 1; static_cast<double>(label_every) < bands_needed; mag *= 10)
    for (const size_t f : {1, 2, 5})
      if (static_cast<double>(label_every) < bands_needed) label_every = f * mag;
  auto labelled = [&](size_t i) {
    if (label_every == 1) return true;
    return (i + 1) % label_every == 0 || (i == 0 && static_cast<double>(label_every - 1) >= bands_needed);
  };
  auto sy = [&](double v) { return p.bottom - ya.frac(v) * p.height(); };
  for (size_t i = 0; i < n; ++i) {
    const double cx = p.left + band * (static_cast<double>(i) + 0.5);
    double base = 0;
    for (size_t k = 0; k < series_.size(); ++k) {
      const double v = value(series_[k].values, i);
      if (v <= 0) continue;
      const double y0 = sy(base), y1 = sy(base + v);
      out += "<rect x=\"" + px(cx - bar_w / 2) + "\" y=\"" + px(y1) + "\" width=\"" + px(bar_w) + "\" height=\"" +
             px(std::max(0.5, y0 - y1)) + "\" fill=\"" + xml_escape(series_[k].color) + "\"><title>" +
             xml_escape(categories_[i] + (series_.size() > 1 ? " · " + series_[k].name : "") + ": " + fmt(v)) +
             "</title></rect>\n";
      base += v;
    }
    if (labels_on_bars && totals[i] > 0)
      out += text(cx, sy(totals[i]) - 5, fmt(totals[i]),
                  "text-anchor=\"middle\" font-size=\"11\" fill=\"" + std::string(kInk) + "\"");
    if (labelled(i))
      out += text(cx, p.bottom + 17, categories_[i], "text-anchor=\"middle\" fill=\"" + std::string(kMutedInk) + "\"");
  }
  draw_frame_lines(out, p);
  return out + "</svg>\n";
}

// ---- Timeline -----------------------------------------------------------------------------------

Timeline& Timeline::add_bar(TimelineBar bar) {
  bars_.push_back(std::move(bar));
  return *this;
}

Timeline& Timeline::group_name(int group, std::string name) {
  group_names_.emplace_back(group, std::move(name));
  return *this;
}

Timeline& Timeline::flag_label(std::string label) {
  flag_label_ = std::move(label);
  return *this;
}

std::string Timeline::svg() const {
  std::vector<std::string> rows;
  std::map<std::string, size_t> row_index;
  std::map<int, std::string> groups;  // ordered by group id
  double xhi = 0, xlo = 0;
  bool any_flagged = false;
  for (const auto& b : bars_) {
    if (row_index.emplace(b.row, rows.size()).second) rows.push_back(b.row);
    groups.emplace(b.group, "");
    if (std::isfinite(b.end)) xhi = std::max(xhi, b.end);
    if (std::isfinite(b.start)) xhi = std::max(xhi, b.start), xlo = std::min(xlo, b.start);
    any_flagged = any_flagged || b.flagged;
  }
  for (const auto& [g, name] : group_names_)
    if (groups.count(g)) groups[g] = name;

  std::vector<LegendItem> legend;
  size_t shown = 0;
  for (const auto& [g, name] : groups) {
    if (++shown > 12) {
      legend.push_back({"… " + std::to_string(groups.size() - 12) + " more", "#ffffff", LegendItem::kBox});
      break;
    }
    legend.push_back({name.empty() ? "group " + std::to_string(g) : name,
                      chart_color(static_cast<size_t>(std::max(0, g))), LegendItem::kBox});
  }
  if (any_flagged && !flag_label_.empty()) legend.push_back({flag_label_, "#ffffff", LegendItem::kBox, true});

  const size_t nrows = std::max<size_t>(1, rows.size());
  const double row_h = nrows <= 16 ? 26 : std::max(4.0, 480.0 / static_cast<double>(nrows));
  // Label every row while rows are tall enough for text, else every k-th row.
  const size_t label_every = static_cast<size_t>(std::ceil(13.0 / row_h));
  const Axis xa = nice_axis(xlo, xhi > xlo ? xhi : xlo + 1, 8);

  // Measure the header on a scratch string to know where the plot starts, then size the SVG.
  std::string header;
  const double top = draw_header(header, frame_, legend) + 4;
  double label_w = 0;
  for (const auto& r : rows) label_w = std::max(label_w, text_width(r));
  const PlotArea p{std::max(48.0, label_w + 20), top, frame_.width - 18.0, top + row_h * static_cast<double>(nrows)};
  const int height = static_cast<int>(std::ceil(p.bottom + (frame_.x_label.empty() ? 28.0 : 42.0)));
  std::string out = open_svg(frame_, height) + header;
  if (bars_.empty()) {
    draw_frame_lines(out, p);
    return out + no_data(p) + "</svg>\n";
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    const double y = p.top + row_h * static_cast<double>(r);
    if (r % 2 == 1)
      out += "<rect x=\"" + px(p.left) + "\" y=\"" + px(y) + "\" width=\"" + px(p.width()) + "\" height=\"" +
             px(row_h) + "\" fill=\"#f9fafb\"/>\n";
    if (r % label_every == 0)
      out +=
          text(p.left - 8, y + row_h / 2 + 4, rows[r], "text-anchor=\"end\" fill=\"" + std::string(kMutedInk) + "\"");
  }
  draw_x_axis(out, xa, p, frame_, height);
  auto sx = [&](double x) { return p.left + xa.frac(x) * p.width(); };
  const double bar_h = std::max(2.0, row_h * 0.62);
  for (const auto& b : bars_) {
    if (!std::isfinite(b.start)) continue;
    const double end = std::isfinite(b.end) && b.end > b.start ? b.end : b.start;
    const double x0 = sx(b.start), x1 = std::max(sx(end), x0 + 1.5);
    const double y = p.top + row_h * static_cast<double>(row_index[b.row]) + (row_h - bar_h) / 2;
    out += "<rect x=\"" + px(x0) + "\" y=\"" + px(y) + "\" width=\"" + px(x1 - x0) + "\" height=\"" + px(bar_h) +
           "\" rx=\"" + px(std::min(3.0, bar_h / 3)) + "\" fill=\"" +
           xml_escape(chart_color(static_cast<size_t>(std::max(0, b.group)))) + "\"";
    if (b.flagged) out += " stroke=\"#7f1d1d\" stroke-width=\"1.5\"";
    out += ">";
    if (!b.tooltip.empty()) out += "<title>" + xml_escape(b.tooltip) + "</title>";
    out += "</rect>\n";
  }
  draw_frame_lines(out, p);
  return out + "</svg>\n";
}

}  // namespace faasdl::report
