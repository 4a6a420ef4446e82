#include "cli.h"

#include <unistd.h>

#include <climits>

#include "core/status.h"
#include "core/strings.h"

namespace faasdl::cli {

Args::Args(const std::vector<std::string>& argv) {
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() > 2 && a.rfind("--", 0) == 0) {
      const auto eq = a.find('=');
      if (eq != std::string::npos) {
        values_[a.substr(2, eq - 2)] = a.substr(eq + 1);
      } else if (i + 1 < argv.size() && argv[i + 1].rfind("--", 0) != 0) {
        values_[a.substr(2)] = argv[++i];
      } else {
        values_[a.substr(2)] = std::nullopt;
      }
    } else {
      positional_.push_back(a);
    }
  }
}

std::optional<std::string> Args::opt(const std::string& name) {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  used_[name] = true;
  if (!it->second) fail("option --", name, " needs a value");
  return it->second;
}

std::string Args::str(const std::string& name, const std::string& fallback) { return opt(name).value_or(fallback); }

std::string Args::require(const std::string& name) {
  auto v = opt(name);
  if (!v) fail("missing option --", name);
  return *v;
}

int64_t Args::integer(const std::string& name, int64_t fallback) {
  auto v = opt(name);
  return v ? parse_int(*v, "--" + name) : fallback;
}

double Args::number(const std::string& name, double fallback) {
  auto v = opt(name);
  return v ? parse_double(*v, "--" + name) : fallback;
}

bool Args::flag(const std::string& name) {
  auto it = values_.find(name);
  if (it == values_.end()) return false;
  used_[name] = true;
  if (!it->second) return true;
  if (*it->second == "true" || *it->second == "1") return true;
  if (*it->second == "false" || *it->second == "0") return false;
  // A flag followed by a positional word: give the word back.
  positional_.push_back(*it->second);
  it->second.reset();
  return true;
}

void Args::finish() const {
  for (const auto& [name, value] : values_) {
    if (!used_.count(name)) fail("unknown option --", name);
  }
}

std::vector<Command>& commands() {
  static std::vector<Command> all;
  return all;
}

CommandRegistrar::CommandRegistrar(const char* name, const char* summary, CommandFn fn) {
  commands().push_back({name, summary, fn});
}

std::vector<int64_t> parse_input_shape(const std::string& text) {
  const auto parts = split(text, 'x');
  FAASDL_CHECK(parts.size() == 3, "--input must be HxWxC like 32x32x3, got '", text, "'");
  const int64_t h = parse_int(parts[0], "--input height"), w = parse_int(parts[1], "--input width"),
                c = parse_int(parts[2], "--input channels");
  FAASDL_CHECK(h > 0 && w > 0 && c > 0, "--input dimensions must be positive, got '", text, "'");
  return {c, h, w};
}

std::string self_exe() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) fail("cannot resolve /proc/self/exe");
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace faasdl::cli
