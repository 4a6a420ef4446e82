#include "report/html_report.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <regex>

#include "core/fs.h"
#include "core/json.h"
#include "core/status.h"
#include "report/run_metrics.h"

namespace faasdl::report {
namespace {

namespace fs = std::filesystem;

class RunDir {
 public:
  RunDir() {
    static int n = 0;
    path_ =
        (fs::temp_directory_path() / ("faasdl_report_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++)))
            .string();
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~RunDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }
  void write(const std::string& name, const std::string& text) const { write_file_atomic(path_ + "/" + name, text); }

 private:
  std::string path_;
};

Json config(int workers) {
  Json c = {{"model", "cnn<b>&co"},
            {"data", "cifar10"},
            {"epochs", 3},
            {"backend", "cpu"},
            {"train", {{"batch", 32}, {"optimizer", {{"type", "sgd"}, {"lr", 0.0010000000474974513}}}}}};
  if (workers > 0) c["workers"] = workers, c["sync"] = "epoch";
  return c;
}

Json single_epoch(int e) {
  return {{"epoch", e},
          {"loss", 2.0 / e + 0.0123},
          {"accuracy", 0.5 + 0.1 * e},
          {"val_loss", 2.1 / e + 0.0456},
          {"val_accuracy", 0.45 + 0.11 * e},
          {"wall_s", 10.0 + e},
          {"images_per_s", 1234.5 * e},
          {"workers", 0}};
}

Json distributed_epoch(int e) {
  Json r = single_epoch(e);
  r["workers"] = 3;
  r["billed_s"] = 12.5 * e;
  r["gb_s"] = 25.0 * e;
  r["cost_usd"] = 0.000417 * e;
  r["cold_starts"] = e == 1 ? 3 : 0;
  r["sync"] = "epoch";
  r["rounds"] = 2;
  Json fns = Json::array();
  for (int round = 1; round <= 2; ++round)
    for (int w = 0; w < 3; ++w) {
      const double start = (round - 1) * 2000.0 + w * 15.0;
      fns.push_back({{"worker", w},
                     {"round", round},
                     {"init_ms", e == 1 && round == 1 ? 350 : 0},
                     {"load_ms", 120.5},
                     {"compute_ms", 1400},
                     {"store_ms", 80},
                     {"billed_ms", 1950},
                     {"bytes_read", 2.5e6},
                     {"bytes_written", 1.1e6},
                     {"start_ms", start},
                     {"end_ms", start + 1900 + w * 20},
                     {"retries", w == 2 && round == 2 ? 1 : 0}});
    }
  r["functions"] = fns;
  return r;
}

std::string jsonl(const std::vector<Json>& records) {
  std::string s;
  for (const auto& r : records) s += r.dump() + "\n";
  return s;
}

bool has_non_finite_text(const std::string& s) {
  static const std::regex bad(R"(\b(nan|inf|infinity)\b)", std::regex::icase);
  return std::regex_search(s, bad);
}

size_t occurrences(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + 1)) ++n;
  return n;
}

void expect_well_formed(const std::string& html) {
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  EXPECT_GE(occurrences(html, "<svg"), 4u);
  EXPECT_EQ(occurrences(html, "<svg"), occurrences(html, "</svg>"));
  EXPECT_EQ(occurrences(html, "<table"), occurrences(html, "</table>"));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // no fetched resources
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_FALSE(has_non_finite_text(html));
}

TEST(HtmlReport, SingleMachineRun) {
  RunDir dir;
  dir.write("config.json", config(0).dump(2));
  dir.write("metrics.jsonl", jsonl({single_epoch(1), single_epoch(2), single_epoch(3)}));
  const std::string path = write_html_report(dir.path());
  EXPECT_EQ(path, dir.path() + "/report.html");
  const std::string html = read_file(path);
  expect_well_formed(html);
  // Names are escaped everywhere they appear.
  EXPECT_EQ(html.find("cnn<b>"), std::string::npos);
  EXPECT_NE(html.find("cnn&lt;b&gt;&amp;co"), std::string::npos);
  // Epoch values: table cells and summary.
  EXPECT_NE(html.find("<td>2.0123</td>"), std::string::npos);     // loss of epoch 1
  EXPECT_NE(html.find("<td>0.7456</td>"), std::string::npos);     // val loss of epoch 3
  EXPECT_NE(html.find("78.00 %"), std::string::npos);             // final val accuracy
  EXPECT_NE(html.find("3,704"), std::string::npos);               // images/s of epoch 3
  EXPECT_NE(html.find("36.0 s"), std::string::npos);              // total wall time
  EXPECT_NE(html.find("train.optimizer.lr"), std::string::npos);  // flattened settings
  EXPECT_NE(html.find("<td>0.001</td>"), std::string::npos);
  EXPECT_NE(html.find("single machine"), std::string::npos);
  EXPECT_NE(html.find("Loss"), std::string::npos);
  EXPECT_NE(html.find("Wall time per epoch"), std::string::npos);
  // No serverless sections.
  EXPECT_EQ(html.find("Cost per epoch"), std::string::npos);
  EXPECT_EQ(html.find("Invocations"), std::string::npos);
}

TEST(HtmlReport, DistributedRun) {
  RunDir dir;
  dir.write("config.json", config(3).dump(2));
  dir.write("metrics.jsonl", jsonl({distributed_epoch(1), distributed_epoch(2), distributed_epoch(3)}));
  const std::string html = read_file(write_html_report(dir.path()));
  expect_well_formed(html);
  EXPECT_GE(occurrences(html, "<svg"), 7u);
  EXPECT_NE(html.find("Where the function time went"), std::string::npos);
  EXPECT_NE(html.find("Cost per epoch"), std::string::npos);
  EXPECT_NE(html.find("Invocations of epoch 3 (last)"), std::string::npos);
  EXPECT_NE(html.find(">worker 2</text>"), std::string::npos);
  EXPECT_NE(html.find(">round 2</text>"), std::string::npos);
  EXPECT_NE(html.find(">retried</text>"), std::string::npos);
  EXPECT_NE(html.find("$0.0025"), std::string::npos);   // total cost 0.000417 * 6
  EXPECT_NE(html.find("$0.00125"), std::string::npos);  // cost of epoch 3
  EXPECT_NE(html.find("<b>sync</b>epoch"), std::string::npos);
  EXPECT_NE(html.find("<b>workers</b>3"), std::string::npos);
  EXPECT_NE(html.find("2.5 MB"), std::string::npos);  // bytes read, in a tooltip
  EXPECT_NE(html.find("<th>cold starts</th>"), std::string::npos);
}

TEST(HtmlReport, DistributedFieldsMayBeMissing) {
  RunDir dir;  // no config.json either
  Json e1 = distributed_epoch(1), e2 = distributed_epoch(2), e3 = single_epoch(3);
  e1.erase("functions");
  e2.erase("cost_usd");
  e2["gb_s"] = nullptr;
  for (auto& f : e2["functions"]) f.erase("end_ms"), f.erase("round"), f.erase("retries");
  e2["functions"][0].erase("start_ms");
  e3["workers"] = 3;
  e3["loss"] = nullptr;  // what a NaN loss becomes in JSON
  dir.write("metrics.jsonl", jsonl({e1, e2, e3}));
  const std::string out = dir.path() + "/sub/dir/custom.html";
  EXPECT_EQ(write_html_report(dir.path(), out), out);
  const std::string html = read_file(out);
  expect_well_formed(html);
  EXPECT_NE(html.find("config.json not found"), std::string::npos);
  EXPECT_NE(html.find("Invocations of epoch 2"), std::string::npos);  // the last epoch with records
  EXPECT_NE(html.find("round ?"), std::string::npos);
  EXPECT_NE(html.find("<td>–</td>"), std::string::npos);
}

TEST(HtmlReport, EmptyMetricsStillRenders) {
  RunDir dir;
  dir.write("config.json", config(0).dump());
  dir.write("metrics.jsonl", "\n");
  const std::string html = read_file(write_html_report(dir.path()));
  EXPECT_NE(html.find("has no epochs yet"), std::string::npos);
  EXPECT_FALSE(has_non_finite_text(html));
}

std::string error_of(const std::string& run_dir) {
  try {
    write_html_report(run_dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(HtmlReport, MalformedLineNamesFileAndLine) {
  RunDir dir;
  dir.write("config.json", config(0).dump());
  dir.write("metrics.jsonl", jsonl({single_epoch(1), single_epoch(2)}) + "{\"epoch\": 3, \"loss\": \n");
  const std::string err = error_of(dir.path());
  EXPECT_NE(err.find(dir.path() + "/metrics.jsonl line 3"), std::string::npos) << err;
  EXPECT_NE(err.find("invalid JSON"), std::string::npos) << err;
  EXPECT_FALSE(file_exists(dir.path() + "/report.html"));
}

TEST(HtmlReport, WrongFieldTypeNamesLineAndField) {
  RunDir dir;
  Json bad = single_epoch(2);
  bad["loss"] = "high";
  Json bad_fn = distributed_epoch(1);
  bad_fn["functions"][4]["start_ms"] = "soon";
  dir.write("metrics.jsonl", jsonl({single_epoch(1), bad}));
  std::string err = error_of(dir.path());
  EXPECT_NE(err.find("metrics.jsonl line 2: field 'loss' must be a number, got string"), std::string::npos) << err;
  dir.write("metrics.jsonl", jsonl({bad_fn}));
  err = error_of(dir.path());
  EXPECT_NE(err.find("line 1: functions[4]: field 'start_ms'"), std::string::npos) << err;
  dir.write("metrics.jsonl", "[1, 2]\n");
  err = error_of(dir.path());
  EXPECT_NE(err.find("line 1: expected a JSON object"), std::string::npos) << err;
}

TEST(HtmlReport, MissingMetricsAndBadConfigAreClearErrors) {
  RunDir dir;
  std::string err = error_of(dir.path());
  EXPECT_NE(err.find(dir.path() + "/metrics.jsonl: not found"), std::string::npos) << err;
  dir.write("metrics.jsonl", jsonl({single_epoch(1)}));
  dir.write("config.json", "{\"model\": ");
  err = error_of(dir.path());
  EXPECT_NE(err.find(dir.path() + "/config.json: invalid JSON"), std::string::npos) << err;
  EXPECT_NE(error_of(dir.path() + "/nope").find("not found"), std::string::npos);
}

TEST(RunMetrics, ReadsTypedRecords) {
  RunDir dir;
  dir.write("metrics.jsonl", "\n" + jsonl({single_epoch(1), distributed_epoch(2)}));
  const auto ep = read_run_metrics(dir.path() + "/metrics.jsonl");
  ASSERT_EQ(ep.size(), 2u);
  EXPECT_EQ(ep[0].line, 2);
  EXPECT_FALSE(ep[0].distributed());
  EXPECT_TRUE(std::isnan(ep[0].cost_usd));
  EXPECT_TRUE(ep[1].distributed());
  EXPECT_EQ(ep[1].sync, "epoch");
  ASSERT_EQ(ep[1].functions.size(), 6u);
  EXPECT_DOUBLE_EQ(ep[1].functions[5].retries, 1.0);
  EXPECT_DOUBLE_EQ(ep[1].functions[3].start_ms, 2000.0);
}

}  // namespace
}  // namespace faasdl::report
