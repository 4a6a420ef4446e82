#include "faas/function_config.h"

#include <set>

#include "core/fs.h"
#include "core/status.h"

namespace faasdl::faas {

void FunctionConfig::validate() const {
  FAASDL_CHECK(!name.empty() && name.size() <= 64, "function '", name, "': name must have 1-64 characters");
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    FAASDL_CHECK(ok, "function '", name, "': name may hold only letters, digits, '-' and '_'");
  }
  FAASDL_CHECK(!command.empty() && !command[0].empty(), "function '", name, "': command is empty");
  FAASDL_CHECK(memory_mb >= 128 && memory_mb <= 10240, "function '", name, "': memory ", memory_mb,
               " MB is outside 128-10240");
  FAASDL_CHECK(timeout_s >= 1 && timeout_s <= 900, "function '", name, "': timeout ", timeout_s,
               " s is outside 1-900");
  FAASDL_CHECK(concurrency >= 0, "function '", name, "': concurrency must be >= 0");
  FAASDL_CHECK(architecture == "x86_64" || architecture == "arm64", "function '", name, "': architecture '",
               architecture, "' is not x86_64 or arm64");
  FAASDL_CHECK(max_retry_attempts >= 0 && max_retry_attempts <= 2, "function '", name,
               "': max_retry_attempts must be 0-2");
}

Json FunctionConfig::to_json() const {
  return {{"name", name},
          {"command", command},
          {"memory", memory_mb},
          {"timeout", timeout_s},
          {"concurrency", concurrency},
          {"environment", environment},
          {"architecture", architecture},
          {"max_retry_attempts", max_retry_attempts},
          {"handler", handler.empty() ? name : handler}};
}

std::vector<std::string> split_command(std::string_view line) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (char c : line) {
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else {
        cur += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  FAASDL_CHECK(quote == 0, "unterminated quote in command '", line, "'");
  if (in_word) words.push_back(std::move(cur));
  return words;
}

namespace {

int int_field(const Json& j, const char* a, const char* b, int fallback, std::string_view what) {
  if (j.contains(a)) return json_get<int>(j, a, what);
  return json_get_or<int>(j, b, fallback, what);
}

}  // namespace

FunctionConfig function_from_json(const Json& j, std::string_view what) {
  FAASDL_CHECK(j.is_object(), what, ": expected a JSON object");
  static const std::set<std::string> kKnown = {"name", "command", "handler_command", "memory", "memory_mb",
                                               "timeout", "timeout_s", "concurrency", "environment",
                                               "architecture", "max_retry_attempts", "handler"};
  for (const auto& [key, value] : j.items()) {
    FAASDL_CHECK(kKnown.count(key), what, ": unknown field '", key, "'");
  }
  FunctionConfig f;
  f.name = json_get<std::string>(j, "name", what);
  const std::string fw = str_cat(what, " (function '", f.name, "')");
  const char* cmd_field = j.contains("command") ? "command" : "handler_command";
  FAASDL_CHECK(j.contains(cmd_field), fw, ": missing field 'command'");
  const Json& cmd = j.at(cmd_field);
  if (cmd.is_string()) {
    f.command = split_command(cmd.get<std::string>());
  } else {
    f.command = json_get<std::vector<std::string>>(j, cmd_field, fw);
  }
  f.memory_mb = int_field(j, "memory", "memory_mb", f.memory_mb, fw);
  f.timeout_s = int_field(j, "timeout", "timeout_s", f.timeout_s, fw);
  f.concurrency = json_get_or<int>(j, "concurrency", f.concurrency, fw);
  f.environment = json_get_or<std::map<std::string, std::string>>(j, "environment", {}, fw);
  f.architecture = json_get_or<std::string>(j, "architecture", f.architecture, fw);
  f.max_retry_attempts = json_get_or<int>(j, "max_retry_attempts", f.max_retry_attempts, fw);
  f.handler = json_get_or<std::string>(j, "handler", "", fw);
  try {
    f.validate();
  } catch (const Error& e) {
    fail(what, ": ", e.what());
  }
  return f;
}

std::vector<FunctionConfig> load_functions_file(const std::string& path) {
  const Json doc = parse_json(read_file(path), path);
  const Json* list = &doc;
  if (doc.is_object()) {
    FAASDL_CHECK(doc.contains("functions"), path, ": missing field 'functions'");
    list = &doc.at("functions");
  }
  FAASDL_CHECK(list->is_array(), path, ": 'functions' must be an array");
  std::vector<FunctionConfig> out;
  std::set<std::string> names;
  for (size_t i = 0; i < list->size(); ++i) {
    FunctionConfig f = function_from_json((*list)[i], str_cat(path, ": functions[", i, "]"));
    FAASDL_CHECK(names.insert(f.name).second, path, ": function '", f.name, "' is defined twice");
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace faasdl::faas
