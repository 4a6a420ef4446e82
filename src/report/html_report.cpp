#include "report/html_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "core/fs.h"
#include "core/json.h"
#include "core/status.h"
#include "core/strings.h"
#include "report/run_metrics.h"
#include "report/svg_chart.h"

namespace faasdl::report {
namespace {

// ---- value formatting (every formatter prints "–" for a missing value) --------------------------

constexpr const char* kDash = "–";

bool has(double v) { return std::isfinite(v); }
bool same(double a, double b) { return a == b || (!has(a) && !has(b)); }
double or_zero(double v) { return has(v) ? v : 0.0; }

std::string fixed(double v, int decimals) {
  if (!has(v)) return kDash;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string percent(double fraction) { return has(fraction) ? fixed(fraction * 100.0, 2) + " %" : kDash; }

std::string count(double v) {
  if (!has(v)) return kDash;
  return std::fabs(v) >= 100 ? with_commas(std::llround(v)) : format_number(v, 3);
}

// "1 retry", "3 retries", "1,024 cold starts"
std::string counted(double v, const std::string& one, const std::string& many = "") {
  return count(v) + " " + (v == 1 ? one : many.empty() ? one + "s" : many);
}

std::string duration(double s) {
  if (!has(s)) return kDash;
  char buf[64];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%.1f s", s);
  } else if (s < 3600) {
    const long total = std::lround(s);
    std::snprintf(buf, sizeof buf, "%ld min %02ld s", total / 60, total % 60);
  } else {
    const long total = std::lround(s / 60);
    std::snprintf(buf, sizeof buf, "%ld h %02ld min", total / 60, total % 60);
  }
  return buf;
}

// "$1.23", "$0.0123", "$0.0000456": three significant digits below a dollar.
std::string usd(double v) {
  if (!has(v)) return kDash;
  if (v == 0) return "$0";
  const int decimals =
      std::fabs(v) >= 1 ? 2 : std::min(10, std::max(2, 2 - static_cast<int>(std::floor(std::log10(std::fabs(v))))));
  return "$" + fixed(v, decimals);
}

std::string bytes(double v) {
  if (!has(v)) return kDash;
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (std::fabs(v) >= 1000 && u < 4) v /= 1000, ++u;
  return format_number(v, 3) + " " + units[u];
}

// ---- inputs -------------------------------------------------------------------------------------

struct RunInputs {
  std::string run_dir;
  std::string config_path;
  Json config;  // null when config.json is absent
  std::string metrics_path;
  std::vector<EpochMetrics> epochs;
  bool distributed = false;
};

RunInputs load_inputs(const std::string& run_dir) {
  RunInputs in;
  in.run_dir = run_dir;
  in.config_path = run_dir + "/config.json";
  in.metrics_path = run_dir + "/metrics.jsonl";
  if (file_exists(in.config_path)) {
    in.config = parse_json(read_file(in.config_path), in.config_path);
    if (!in.config.is_object()) fail(in.config_path, ": expected a JSON object, got ", in.config.type_name());
  }
  in.epochs = read_run_metrics(in.metrics_path);
  for (const auto& e : in.epochs) in.distributed = in.distributed || e.distributed();
  return in;
}

// A setting looked up at the top level of config.json, then one level down ("dist.workers").
const Json* find_setting(const Json& config, const char* key) {
  if (!config.is_object()) return nullptr;
  if (const auto it = config.find(key); it != config.end() && !it->is_null()) return &*it;
  for (const auto& [name, value] : config.items()) {
    if (!value.is_object()) continue;
    if (const auto it = value.find(key); it != value.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

std::string scalar_text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number()) return format_number(v.get<double>(), 6);
  if (v.is_null()) return "null";
  return v.dump();
}

std::string setting_text(const Json& config, const char* key) {
  const Json* v = find_setting(config, key);
  return v ? scalar_text(*v) : std::string();
}

// {"train": {"optimizer": {"lr": 0.001}}} -> ("train.optimizer.lr", "0.001")
void flatten(const Json& j, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& out) {
  if (j.is_object() && !j.empty()) {
    for (const auto& [key, value] : j.items()) flatten(value, prefix.empty() ? key : prefix + "." + key, out);
    return;
  }
  if (j.is_array() && std::all_of(j.begin(), j.end(), [](const Json& v) { return v.is_primitive(); })) {
    std::string s;
    for (const auto& v : j) s += (s.empty() ? "" : ", ") + scalar_text(v);
    out.emplace_back(prefix, "[" + s + "]");
    return;
  }
  out.emplace_back(prefix, scalar_text(j));
}

// ---- page pieces --------------------------------------------------------------------------------

constexpr const char* kCss = R"css(
:root { --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --bg: #f4f5f7; --card: #ffffff; --accent: #4e79a7; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header.top { background: linear-gradient(120deg, #1e3a5f, #2f5d8a); color: #fff; padding: 28px 40px 24px; }
header.top h1 { margin: 0 0 4px; font-size: 26px; font-weight: 650; letter-spacing: -0.01em; }
header.top .sub { opacity: 0.8; font-size: 13px; word-break: break-all; }
.chips { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 16px; }
.chip { background: rgba(255,255,255,0.14); border: 1px solid rgba(255,255,255,0.22); border-radius: 999px;
  padding: 3px 12px; font-size: 13px; }
.chip b { font-weight: 600; opacity: 0.75; margin-right: 6px; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 32px 40px; }
h2 { font-size: 17px; margin: 32px 0 12px; font-weight: 650; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin-top: -6px; }
.cards.three { grid-template-columns: repeat(3, 1fr); }
@media (max-width: 820px) { .cards, .cards.three { grid-template-columns: repeat(2, 1fr); } main { padding: 16px; } }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 14px 18px;
  box-shadow: 0 1px 2px rgba(0,0,0,0.04); }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.06em; }
.card .value { white-space: nowrap; font-size: 26px; font-weight: 650; margin: 2px 0;
  font-variant-numeric: tabular-nums; }
.card .note { color: var(--muted); font-size: 12.5px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(470px, 1fr)); gap: 14px; }
.figure { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 6px 6px 2px;
  box-shadow: 0 1px 2px rgba(0,0,0,0.04); }
.figure.wide { grid-column: 1 / -1; }
.figure svg { display: block; width: 100%; height: auto; }
.figure .caption { color: var(--muted); font-size: 12.5px; padding: 0 12px 10px; }
.empty { color: var(--muted); font-style: italic; background: var(--card); border: 1px dashed var(--line);
  border-radius: 12px; padding: 14px 18px; }
.table-wrap { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 12px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; font-size: 13px; }
th, td { padding: 7px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { background: #f9fafb; color: var(--muted); font-weight: 600; text-align: right; font-size: 12px; }
td { text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr:last-child td { border-bottom: none; }
tbody tr:hover td { background: #f3f6fa; }
table.settings td:first-child { width: 32%; color: #374151;
  font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
table.settings td:last-child, table.settings th:last-child { text-align: left; white-space: normal;
  word-break: break-word; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 8px 0 28px; }
)css";

std::string card(const std::string& label, const std::string& value, const std::string& note) {
  return "<div class=\"card\"><div class=\"label\">" + xml_escape(label) + "</div><div class=\"value\">" +
         xml_escape(value) + "</div><div class=\"note\">" + xml_escape(note) + "</div></div>\n";
}

std::string figure(const std::string& svg, bool wide = false, const std::string& caption = "") {
  return std::string("<div class=\"figure") + (wide ? " wide" : "") + "\">\n" + svg +
         (caption.empty() ? "" : "<div class=\"caption\">" + xml_escape(caption) + "</div>\n") + "</div>\n";
}

std::string header(const RunInputs& in) {
  const EpochMetrics* last = in.epochs.empty() ? nullptr : &in.epochs.back();
  std::string model = setting_text(in.config, "model"), data = setting_text(in.config, "data");
  std::string workers = setting_text(in.config, "workers");
  if (workers.empty() && last && has(last->workers)) workers = format_number(last->workers, 6);
  if (workers.empty() || workers == "0") workers = in.distributed ? kDash : "0 (single machine)";
  std::string sync = setting_text(in.config, "sync");
  for (auto it = in.epochs.rbegin(); sync.empty() && it != in.epochs.rend(); ++it) sync = it->sync;
  if (sync.empty()) sync = in.distributed ? kDash : "none (single machine)";
  std::vector<std::pair<std::string, std::string>> chips = {{"model", model.empty() ? kDash : model},
                                                            {"data", data.empty() ? kDash : data},
                                                            {"workers", workers},
                                                            {"sync", sync}};
  if (const std::string backend = setting_text(in.config, "backend"); !backend.empty())
    chips.emplace_back("backend", backend);
  chips.emplace_back("epochs", std::to_string(in.epochs.size()));

  std::string title = "Training report";
  if (!model.empty()) title += " · " + model + (data.empty() ? "" : " on " + data);
  std::string out = "<header class=\"top\">\n<h1>" + xml_escape(title) + "</h1>\n<div class=\"sub\">" +
                    xml_escape(in.run_dir) + "</div>\n<div class=\"chips\">";
  for (const auto& [k, v] : chips)
    out += "<span class=\"chip\"><b>" + xml_escape(k) + "</b>" + xml_escape(v) + "</span>";
  return out + "</div>\n</header>\n";
}

struct PhaseTotals {
  double init = 0, load = 0, compute = 0, store = 0;
  double sum() const { return init + load + compute + store; }
};

PhaseTotals phase_totals(const EpochMetrics& e) {
  PhaseTotals t;
  for (const auto& f : e.functions) {
    t.init += or_zero(f.init_ms) / 1e3;
    t.load += or_zero(f.load_ms) / 1e3;
    t.compute += or_zero(f.compute_ms) / 1e3;
    t.store += or_zero(f.store_ms) / 1e3;
  }
  return t;
}

std::string summary_cards(const RunInputs& in) {
  const auto& ep = in.epochs;
  const EpochMetrics& last = ep.back();
  double best = NAN, best_epoch = NAN, wall = 0, cost = 0, gb_s = 0, ips_sum = 0;
  int ips_n = 0;
  bool any_wall = false, any_cost = false, any_gb_s = false;
  for (const auto& e : ep) {
    if (has(e.val_accuracy) && (!has(best) || e.val_accuracy > best)) best = e.val_accuracy, best_epoch = e.epoch;
    if (has(e.wall_s)) wall += e.wall_s, any_wall = true;
    if (has(e.cost_usd)) cost += e.cost_usd, any_cost = true;
    if (has(e.gb_s)) gb_s += e.gb_s, any_gb_s = true;
    if (has(e.images_per_s)) ips_sum += e.images_per_s, ++ips_n;
  }
  std::vector<std::string> cards;
  cards.push_back(
      card("Final val accuracy", percent(last.val_accuracy),
           has(best) ? "best " + percent(best) + " at epoch " + format_number(best_epoch, 6) : "not recorded"));
  cards.push_back(
      card("Total wall time", any_wall ? duration(wall) : kDash,
           counted(static_cast<double>(ep.size()), "epoch") +
               (any_wall ? ", " + duration(wall / static_cast<double>(ep.size())) + " each on average" : "")));
  if (in.distributed) {
    cards.push_back(
        card("Total cost", any_cost ? usd(cost) : kDash,
             any_gb_s ? count(gb_s) + " GB-s billed" : (any_cost ? "function billing" : "no billing recorded")));
  } else {
    cards.push_back(card("Total cost", kDash, "single machine: no per-use billing recorded"));
  }
  cards.push_back(card("Throughput", ips_n ? count(ips_sum / ips_n) + " img/s" : kDash,
                       has(last.images_per_s) ? "mean over epochs; last epoch " + count(last.images_per_s)
                                              : "training images per second"));
  if (in.distributed) {
    double invocations = 0, cold = 0, retries = 0;
    bool any_cold = false;
    PhaseTotals t;
    for (const auto& e : ep) {
      invocations += static_cast<double>(e.functions.size());
      if (has(e.cold_starts)) cold += e.cold_starts, any_cold = true;
      for (const auto& f : e.functions) retries += or_zero(f.retries);
      const PhaseTotals p = phase_totals(e);
      t.init += p.init, t.load += p.load, t.compute += p.compute, t.store += p.store;
    }
    cards.push_back(card("Invocations", invocations > 0 ? count(invocations) : kDash,
                         (any_cold ? counted(cold, "cold start") : std::string("cold starts not recorded")) + " · " +
                             counted(retries, "retry", "retries")));
    if (t.sum() > 0) {
      const auto share = [&](double v) {
        const double pct = 100.0 * v / t.sum();
        return pct > 0 && pct < 1 ? std::string("<1 %") : fixed(pct, 0) + " %";
      };
      cards.push_back(
          card("Compute share", share(t.compute),
               "of function time; init " + share(t.init) + " · load " + share(t.load) + " · store " + share(t.store)));
    }
  }
  // Four cards fit one row; five or six read better as rows of three.
  std::string out = std::string("<div class=\"cards") + (cards.size() > 4 ? " three" : "") + "\">\n";
  for (const auto& c : cards) out += c;
  return out + "</div>\n";
}

std::vector<double> column(const std::vector<EpochMetrics>& ep, double EpochMetrics::*field) {
  std::vector<double> v;
  for (const auto& e : ep) v.push_back(e.*field);
  return v;
}

bool any_value(const std::vector<EpochMetrics>& ep, double EpochMetrics::*field) {
  return std::any_of(ep.begin(), ep.end(), [&](const EpochMetrics& e) { return has(e.*field); });
}

std::vector<std::string> epoch_labels(const std::vector<EpochMetrics>& ep) {
  std::vector<std::string> labels;
  for (const auto& e : ep) labels.push_back(format_number(e.epoch, 6));
  return labels;
}

std::string training_charts(const RunInputs& in) {
  const auto& ep = in.epochs;
  const auto x = column(ep, &EpochMetrics::epoch);
  LineChart loss({"Loss", "epoch", "cross-entropy"});
  loss.integer_x()
      .add_series({"train loss", x, column(ep, &EpochMetrics::loss), chart_color(0), false})
      .add_series({"val loss", x, column(ep, &EpochMetrics::val_loss), chart_color(1), true});
  LineChart acc({"Accuracy", "epoch", "accuracy"});
  acc.integer_x()
      .add_series({"train accuracy", x, column(ep, &EpochMetrics::accuracy), chart_color(2), false})
      .add_series({"val accuracy", x, column(ep, &EpochMetrics::val_accuracy), chart_color(3), true});
  return "<h2>Training curves</h2>\n<div class=\"charts\">\n" + figure(loss.svg()) + figure(acc.svg()) + "</div>\n";
}

std::string time_charts(const RunInputs& in) {
  const auto& ep = in.epochs;
  const auto labels = epoch_labels(ep);
  BarChart wall({"Wall time per epoch", "epoch", "seconds"});
  wall.categories(labels).add_series("wall", column(ep, &EpochMetrics::wall_s), chart_color(0));
  wall.value_format([](double v) { return format_number(v, 3) + " s"; });
  BarChart ips({"Throughput per epoch", "epoch", "images / s"});
  ips.categories(labels).add_series("images/s", column(ep, &EpochMetrics::images_per_s), chart_color(4));
  ips.value_format(count);
  std::string out = "<h2>Time</h2>\n<div class=\"charts\">\n" + figure(wall.svg()) + figure(ips.svg());
  if (in.distributed) {
    std::vector<double> init, load, compute, store;
    for (const auto& e : ep) {
      const PhaseTotals t = phase_totals(e);
      init.push_back(t.init), load.push_back(t.load), compute.push_back(t.compute), store.push_back(t.store);
    }
    BarChart phases({"Where the function time went", "epoch", "function-seconds"});
    phases.categories(labels)
        .add_series("init", init, chart_color(3))
        .add_series("load", load, chart_color(0))
        .add_series("compute", compute, chart_color(2))
        .add_series("store", store, chart_color(1));
    phases.value_format([](double v) { return format_number(v, 3) + " s"; });
    BarChart cost({"Cost per epoch", "epoch", "USD"});
    cost.categories(labels).add_series("cost", column(ep, &EpochMetrics::cost_usd), chart_color(6));
    cost.value_format(usd);
    out += figure(phases.svg(), false, "Summed over all invocations of the epoch (init is cold-start time).");
    double gb_s = 0, billed = 0;
    for (const auto& e : ep) gb_s += or_zero(e.gb_s), billed += or_zero(e.billed_s);
    std::string caption;
    if (any_value(ep, &EpochMetrics::billed_s)) caption += duration(billed) + " billed in all";
    if (any_value(ep, &EpochMetrics::gb_s)) caption += (caption.empty() ? "" : ", ") + count(gb_s) + " GB-s";
    out += figure(cost.svg(), false, caption.empty() ? "" : caption + ".");
  }
  return out + "</div>\n";
}

// Gantt chart of the last epoch that recorded its invocations: one row per worker.
std::string timeline_section(const RunInputs& in) {
  const EpochMetrics* epoch = nullptr;
  for (auto it = in.epochs.rbegin(); !epoch && it != in.epochs.rend(); ++it)
    if (!it->functions.empty()) epoch = &*it;
  std::string out = "<h2>Invocations</h2>\n";
  if (!epoch) return out + "<div class=\"empty\">No per-invocation records in metrics.jsonl.</div>\n";

  std::vector<Invocation> calls = epoch->functions;
  std::stable_sort(calls.begin(), calls.end(), [](const Invocation& a, const Invocation& b) {
    return std::pair(or_zero(a.worker), or_zero(a.start_ms)) < std::pair(or_zero(b.worker), or_zero(b.start_ms));
  });
  double min_round = INFINITY;
  for (const auto& c : calls)
    if (has(c.round)) min_round = std::min(min_round, c.round);
  if (!has(min_round)) min_round = 0;

  const std::string label = format_number(epoch->epoch, 6);
  Timeline chart({"Invocations of epoch " + label + (epoch == &in.epochs.back() ? " (last)" : ""),
                  "seconds since the epoch started", "", 1180, 0});
  chart.flag_label("retried");
  size_t drawn = 0;
  std::map<int, bool> named;
  for (const auto& c : calls) {
    double start = c.start_ms, end = c.end_ms;
    if (!has(start)) continue;
    if (!has(end)) {
      const double phases = or_zero(c.init_ms) + or_zero(c.load_ms) + or_zero(c.compute_ms) + or_zero(c.store_ms);
      end = start + phases;
    }
    const int group = has(c.round) ? static_cast<int>(std::lround(c.round - min_round)) : 0;
    if (!named[group]) {
      chart.group_name(group, has(c.round) ? "round " + format_number(c.round, 6) : "round ?");
      named[group] = true;
    }
    const std::string worker = has(c.worker) ? "worker " + format_number(c.worker, 6) : "worker ?";
    std::string tip = worker + " · round " + format_number(c.round, 6) + "\n" + format_number(start / 1e3, 4) +
                      " s → " + format_number(end / 1e3, 4) + " s (" + count(end - start) + " ms)\ninit " +
                      count(c.init_ms) + " ms · load " + count(c.load_ms) + " ms · compute " + count(c.compute_ms) +
                      " ms · store " + count(c.store_ms) + " ms\nbilled " + count(c.billed_ms) + " ms · read " +
                      bytes(c.bytes_read) + " · written " + bytes(c.bytes_written) + " · retries " + count(c.retries);
    chart.add_bar({worker, start / 1e3, end / 1e3, group, tip, has(c.retries) && c.retries > 0});
    ++drawn;
  }
  if (drawn == 0)
    return out + "<div class=\"empty\">The invocations of epoch " + xml_escape(label) +
           " have no start_ms/end_ms times.</div>\n";
  return out + "<div class=\"charts\">\n" +
         figure(chart.svg(), true,
                counted(static_cast<double>(drawn), "invocation") +
                    "; bars run from when the invocation was sent to when its reply arrived. "
                    "Hover a bar for its timings.") +
         "</div>\n";
}

std::string epoch_table(const RunInputs& in) {
  struct Column {
    const char* title;
    std::function<std::string(const EpochMetrics&)> cell;
    bool shown;
  };
  const auto& ep = in.epochs;
  const auto num_col = [&](const char* title, double EpochMetrics::*field, std::string (*fmt)(double)) {
    return Column{title, [field, fmt](const EpochMetrics& e) { return fmt(e.*field); }, any_value(ep, field)};
  };
  const bool any_functions =
      std::any_of(ep.begin(), ep.end(), [](const EpochMetrics& e) { return !e.functions.empty(); });
  std::vector<Column> cols = {
      {"epoch", [](const EpochMetrics& e) { return format_number(e.epoch, 6); }, true},
      num_col("loss", &EpochMetrics::loss, [](double v) { return fixed(v, 4); }),
      num_col("accuracy", &EpochMetrics::accuracy, percent),
      num_col("val loss", &EpochMetrics::val_loss, [](double v) { return fixed(v, 4); }),
      num_col("val accuracy", &EpochMetrics::val_accuracy, percent),
      num_col("wall", &EpochMetrics::wall_s, duration),
      num_col("images/s", &EpochMetrics::images_per_s, count),
      // Workers and sync are in the header; a column only when they change during the run.
      {"workers", [](const EpochMetrics& e) { return count(e.workers); },
       std::any_of(ep.begin(), ep.end(), [&](const EpochMetrics& e) { return !same(e.workers, ep[0].workers); })},
      {"sync", [](const EpochMetrics& e) { return e.sync.empty() ? std::string(kDash) : e.sync; },
       std::any_of(ep.begin(), ep.end(), [&](const EpochMetrics& e) { return e.sync != ep[0].sync; })},
      num_col("rounds", &EpochMetrics::rounds, count),
      {"invocations",
       [](const EpochMetrics& e) {
         return e.functions.empty() ? std::string(kDash) : count(static_cast<double>(e.functions.size()));
       },
       any_functions},
      num_col("cold starts", &EpochMetrics::cold_starts, count),
      {"retries",
       [](const EpochMetrics& e) {
         double r = 0;
         for (const auto& f : e.functions) r += or_zero(f.retries);
         return e.functions.empty() ? std::string(kDash) : count(r);
       },
       any_functions},
      num_col("billed s", &EpochMetrics::billed_s, [](double v) { return fixed(v, 1); }),
      num_col("GB-s", &EpochMetrics::gb_s, count),
      num_col("cost", &EpochMetrics::cost_usd, usd),
  };
  std::string out = "<h2>Per-epoch metrics</h2>\n<div class=\"table-wrap\"><table>\n<thead><tr>";
  for (const auto& c : cols)
    if (c.shown) out += "<th>" + xml_escape(c.title) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& e : ep) {
    out += "<tr>";
    for (const auto& c : cols)
      if (c.shown) out += "<td>" + xml_escape(c.cell(e)) + "</td>";
    out += "</tr>\n";
  }
  return out + "</tbody></table></div>\n";
}

std::string settings_table(const RunInputs& in) {
  std::string out = "<h2>Settings</h2>\n";
  if (in.config.is_null()) return out + "<div class=\"empty\">" + xml_escape(in.config_path) + " not found.</div>\n";
  std::vector<std::pair<std::string, std::string>> rows;
  flatten(in.config, "", rows);
  out +=
      "<div class=\"table-wrap\"><table class=\"settings\">\n<thead><tr><th>setting</th><th>value</th></tr></thead>\n"
      "<tbody>\n";
  for (const auto& [k, v] : rows) out += "<tr><td>" + xml_escape(k) + "</td><td>" + xml_escape(v) + "</td></tr>\n";
  return out + "</tbody></table></div>\n";
}

std::string render_page(const RunInputs& in) {
  std::string title = "faasdl report";
  if (const std::string model = setting_text(in.config, "model"); !model.empty()) title += " · " + model;
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
      xml_escape(title) + "</title>\n<style>" + kCss + "</style>\n</head>\n<body>\n" + header(in) + "<main>\n";
  if (in.epochs.empty()) {
    page += "<h2>Summary</h2>\n<div class=\"empty\">" + xml_escape(in.metrics_path) + " has no epochs yet.</div>\n" +
            settings_table(in);
  } else {
    page += "<h2>Summary</h2>\n" + summary_cards(in) + training_charts(in) + time_charts(in);
    if (in.distributed) page += timeline_section(in);
    page += epoch_table(in) + settings_table(in);
  }
  page += "</main>\n<footer>Generated by faasdl from " + xml_escape(in.metrics_path) +
          (in.config.is_null() ? "" : " and " + xml_escape(in.config_path)) + ".</footer>\n</body>\n</html>\n";
  return page;
}

}  // namespace

std::string write_html_report(const std::string& run_dir) {
  return write_html_report(run_dir, run_dir + "/report.html");
}

std::string write_html_report(const std::string& run_dir, const std::string& out_path) {
  const RunInputs in = load_inputs(run_dir);
  write_file_atomic(out_path, render_page(in));
  return out_path;
}

}  // namespace faasdl::report
