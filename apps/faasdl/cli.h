// Command-line plumbing for the faasdl binary: options parsing and subcommand registration.
// Each subcommand lives in its own cmd_*.cpp and registers itself with a CommandRegistrar.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace faasdl::cli {

// Options after the subcommand: `--name value`, `--name=value`, or a bare `--flag`.
// Everything else is positional. Accessors mark options as used; finish() rejects the rest.
class Args {
 public:
  explicit Args(const std::vector<std::string>& argv);

  std::optional<std::string> opt(const std::string& name);
  std::string str(const std::string& name, const std::string& fallback);
  std::string require(const std::string& name);  // throws Error("missing --name")
  int64_t integer(const std::string& name, int64_t fallback);
  double number(const std::string& name, double fallback);
  bool flag(const std::string& name);  // present without a value (or =true/false)
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  const std::vector<std::string>& positional() const { return positional_; }
  // Throws Error naming the first option nobody asked for.
  void finish() const;

 private:
  std::map<std::string, std::optional<std::string>> values_;
  mutable std::map<std::string, bool> used_;
  std::vector<std::string> positional_;
};

using CommandFn = int (*)(Args& args);

struct Command {
  std::string name;
  std::string summary;
  CommandFn fn;
};

std::vector<Command>& commands();

struct CommandRegistrar {
  CommandRegistrar(const char* name, const char* summary, CommandFn fn);
};

// "32x32x3" (H x W x C, as Keras writes input shapes) -> {C, H, W}; throws Error on bad text.
std::vector<int64_t> parse_input_shape(const std::string& text);

// Path of the running faasdl binary (/proc/self/exe).
std::string self_exe();

}  // namespace faasdl::cli
