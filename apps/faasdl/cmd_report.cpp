// faasdl report RUN_DIR [--out RUN_DIR/report.html]
#include <cstdio>

#include "cli.h"
#include "report/html_report.h"

namespace faasdl::cli {
namespace {

int report_cmd(Args& args) {
  if (args.flag("help") || args.positional().size() != 1) {
    std::printf(
        "usage: faasdl report RUN_DIR [--out FILE]\n\n"
        "Writes a self-contained HTML report (charts of loss, accuracy, time and cost) of the run in\n"
        "RUN_DIR from its config.json and metrics.jsonl. --out defaults to RUN_DIR/report.html.\n");
    return args.has("help") ? 0 : 2;
  }
  const std::string run_dir = args.positional()[0];
  const std::string out = args.str("out", run_dir + "/report.html");
  args.finish();
  std::printf("%s\n", report::write_html_report(run_dir, out).c_str());
  return 0;
}

const CommandRegistrar reg("report", "write an HTML report of a run: `report RUN_DIR [--out FILE]`", &report_cmd);

}  // namespace
}  // namespace faasdl::cli
