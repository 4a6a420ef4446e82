// The run report: one self-contained HTML page (inline CSS and inline SVG charts, no scripts,
// nothing fetched) built from RUN_DIR/config.json and RUN_DIR/metrics.jsonl. It answers "how did
// training go, where did the time go, and what did it cost" for single-machine and serverless runs.
#pragma once

#include <string>

namespace faasdl::report {

// Writes RUN_DIR/report.html atomically and returns the path written. Throws Error naming the
// file (and the line of metrics.jsonl) when metrics.jsonl is missing or malformed or config.json
// is malformed; a missing config.json only leaves the settings table out.
std::string write_html_report(const std::string& run_dir);

// Same, written to out_path instead (parent directories are created).
std::string write_html_report(const std::string& run_dir, const std::string& out_path);

}  // namespace faasdl::report
