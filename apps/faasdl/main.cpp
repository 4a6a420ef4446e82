// faasdl: one binary, subcommands registered by the cmd_*.cpp files beside this one.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli.h"
#include "core/status.h"

namespace {

void usage() {
  std::printf("faasdl: data-parallel deep learning on serverless functions\n\nusage: faasdl <command> [options]\n\n");
  auto cmds = faasdl::cli::commands();
  std::sort(cmds.begin(), cmds.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  for (const auto& c : cmds) std::printf("  %-10s %s\n", c.name.c_str(), c.summary.c_str());
  std::printf("\nRun `faasdl <command> --help` for a command's options.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "help") {
    usage();
    return argc < 2 ? 2 : 0;
  }
  const std::string name = argv[1];
  for (const auto& c : faasdl::cli::commands()) {
    if (c.name != name) continue;
    try {
      faasdl::cli::Args args(std::vector<std::string>(argv + 2, argv + argc));
      return c.fn(args);
    } catch (const faasdl::Error& e) {
      std::fprintf(stderr, "faasdl %s: error: %s\n", name.c_str(), e.what());
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "faasdl %s: internal error: %s\n", name.c_str(), e.what());
      return 3;
    }
  }
  std::fprintf(stderr, "faasdl: unknown command '%s'\n\n", name.c_str());
  usage();
  return 2;
}
