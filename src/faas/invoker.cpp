#include "faas/invoker.h"

#include <cstdlib>
#include <thread>

#include "core/json.h"
#include "core/log.h"
#include "core/strings.h"
#include "faas/util.h"
#include "net/http.h"
#include "net/sigv4.h"

namespace faasdl::faas {
namespace {

std::string env_or(const std::string& value, const char* name) {
  if (!value.empty()) return value;
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

Code code_for_status(int status) {
  if (status == 404) return Code::kNotFound;
  if (status == 413) return Code::kResourceExhausted;
  if (status == 401 || status == 403) return Code::kPermissionDenied;
  if (status == 429 || status >= 500) return Code::kUnavailable;
  return Code::kInvalidArgument;
}

// "ResourceNotFoundException: Function not found: ..." from an AWS error response.
std::string describe_error(const net::HttpResponse& r) {
  std::string type = r.header("x-amzn-ErrorType");
  if (const auto colon = type.find(':'); colon != std::string::npos) type = type.substr(0, colon);
  std::string message;
  if (auto j = Json::parse(r.body, nullptr, false); j.is_object()) {
    for (const char* key : {"message", "Message", "errorMessage"}) {
      if (j.contains(key) && j[key].is_string()) {
        message = j[key].get<std::string>();
        break;
      }
    }
  }
  if (message.empty()) message = r.body.substr(0, 200);
  return str_cat(type.empty() ? "HTTP error" : type, " (", r.status, "): ", message);
}

}  // namespace

Invoker::Invoker(InvokerOptions options) : options_(std::move(options)) {
  if (options_.endpoint.empty()) options_.endpoint = str_cat("https://lambda.", options_.region, ".amazonaws.com");
  while (!options_.endpoint.empty() && options_.endpoint.back() == '/') options_.endpoint.pop_back();
}

Result<InvokeResult> Invoker::invoke(const std::string& function, std::string_view payload, Deadline deadline) const {
  net::HttpRequest req;
  req.method = "POST";
  req.url = str_cat(options_.endpoint, "/2015-03-31/functions/", net::uri_encode(function), "/invocations");
  if (!options_.qualifier.empty()) req.url += "?Qualifier=" + net::uri_encode(options_.qualifier);
  req.body = std::string(payload);

  net::SigV4Params sig;
  sig.region = options_.region;
  sig.service = "lambda";
  sig.credentials.access_key_id = env_or(options_.access_key_id, "AWS_ACCESS_KEY_ID");
  sig.credentials.secret_access_key = env_or(options_.secret_access_key, "AWS_SECRET_ACCESS_KEY");
  sig.credentials.session_token = options_.access_key_id.empty() ? env_or(options_.session_token, "AWS_SESSION_TOKEN")
                                                                 : options_.session_token;
  const bool sign = options_.sign && !sig.credentials.access_key_id.empty() && !sig.credentials.secret_access_key.empty();

  int64_t backoff = 50;
  for (int attempt = 1;; ++attempt) {
    net::HttpRequest r = req;
    r.set_header("Content-Type", "application/json");
    r.set_header("X-Amz-Invocation-Type", options_.invocation_type);
    if (options_.log_tail) r.set_header("X-Amz-Log-Type", "Tail");
    if (sign) {
      if (Status s = net::sign(r, sig); !s.ok()) return s;
    }
    auto sent = net::http_send(r, deadline);
    const bool transport_retry = !sent.ok() && sent.status().code() == Code::kUnavailable;
    const bool server_retry = sent.ok() && sent->status >= 500;
    if ((transport_retry || server_retry) && attempt < options_.max_attempts && deadline.remaining_ms() > backoff) {
      log_debug("invoke ", function, ": attempt ", attempt, " failed, retrying");
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff));
      backoff *= 2;
      continue;
    }
    if (!sent.ok()) return Status(sent.status().code(), str_cat("invoke ", function, ": ", sent.status().message()));
    const net::HttpResponse& resp = *sent;
    if (resp.status == 429) {
      int64_t after_ms = 1000;
      try {
        const std::string h = resp.header("Retry-After");
        if (!h.empty()) after_ms = parse_int(trim(h), "Retry-After") * 1000;
      } catch (const Error&) {
      }
      return make_status(Code::kUnavailable, "invoke ", function, ": ", describe_error(resp), "; retry after ", after_ms,
                         " ms");
    }
    if (resp.status < 200 || resp.status >= 300) {
      return make_status(code_for_status(resp.status), "invoke ", function, ": ", describe_error(resp));
    }
    InvokeResult out;
    out.status = resp.status;
    out.body = resp.body;
    out.function_error = resp.header("X-Amz-Function-Error");
    out.request_id = resp.header("x-amzn-RequestId");
    if (const std::string tail = resp.header("X-Amz-Log-Result"); !tail.empty()) out.log_tail = base64_decode(tail);
    if (const std::string b = resp.header("X-Faasdl-Billing"); !b.empty()) {
      try {
        out.billing = BillingRecord::from_json(parse_json(b, "X-Faasdl-Billing"), "X-Faasdl-Billing");
      } catch (const Error& e) {
        log_warn("invoke ", function, ": ignoring malformed X-Faasdl-Billing: ", e.what());
      }
    }
    return out;
  }
}

std::optional<int64_t> retry_after_ms(const Status& status) {
  const std::string& m = status.message();
  const auto at = m.rfind("retry after ");
  if (at == std::string::npos) return std::nullopt;
  const auto end = m.find(" ms", at);
  if (end == std::string::npos) return std::nullopt;
  try {
    return parse_int(m.substr(at + 12, end - at - 12), "retry after");
  } catch (const Error&) {
    return std::nullopt;
  }
}

}  // namespace faasdl::faas
