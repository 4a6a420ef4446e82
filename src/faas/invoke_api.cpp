// The HTTP surface of LocalPlatform: Lambda's Invoke API (plus a ListFunctions subset) and the
// faasdl billing / Event-outcome endpoints, with optional SigV4 verification.
#include <httplib.h>

#include "core/log.h"
#include "core/strings.h"
#include "faas/platform_impl.h"
#include "faas/util.h"
#include "net/sigv4.h"

namespace faasdl::faas {
namespace {

void send_json_error(httplib::Response& res, int status, const std::string& type, const std::string& message) {
  res.status = status;
  res.set_header("x-amzn-ErrorType", type);
  res.set_header("x-amzn-RequestId", new_request_id());
  res.set_content(Json{{"Type", "User"}, {"message", message}}.dump(), "application/json");
}

void send_platform_response(const PlatformResponse& r, httplib::Response& res) {
  res.status = r.status;
  res.set_header("x-amzn-RequestId", r.request_id.empty() ? new_request_id() : r.request_id);
  if (r.status >= 400) {
    res.set_header("x-amzn-ErrorType", r.error_type);
    if (r.retry_after_s > 0) res.set_header("Retry-After", std::to_string(r.retry_after_s));
    res.set_content(r.body, "application/json");
    return;
  }
  if (r.status == 200) {
    res.set_header("X-Amz-Executed-Version", "$LATEST");
    if (!r.function_error.empty()) res.set_header("X-Amz-Function-Error", r.function_error);
    if (!r.log_tail.empty()) res.set_header("X-Amz-Log-Result", base64_encode(r.log_tail));
    if (r.billing) res.set_header("X-Faasdl-Billing", r.billing->to_json().dump());
    res.set_content(r.body, r.content_type.empty() ? "application/json" : r.content_type);
  }
}

// Reads ?since=N (an index into the list); 0 when absent or malformed.
size_t since_param(const httplib::Request& req) {
  if (!req.has_param("since")) return 0;
  try {
    return static_cast<size_t>(std::max<int64_t>(0, parse_int(req.get_param_value("since"), "since")));
  } catch (const Error&) {
    return 0;
  }
}

}  // namespace

void LocalPlatform::Impl::install_http_routes() {
  httplib::Server& s = *server;

  // With credentials configured, every request must be SigV4-signed with them. Checked in each
  // handler (not pre-routing) because the signature covers the body, read after routing.
  auto authorized = [this](const httplib::Request& req, httplib::Response& res) {
    if (!opt.credentials) return true;
    net::SignableRequest sr;
    sr.method = req.method;
    const auto q = req.target.find('?');
    sr.path = q == std::string::npos ? req.target : req.target.substr(0, q);
    sr.query = q == std::string::npos ? "" : req.target.substr(q + 1);
    for (const auto& [k, v] : req.headers) sr.headers.emplace_back(k, v);
    sr.body = req.body;
    bool unknown_key = false;
    const PlatformCredentials creds = *opt.credentials;
    net::SecretLookup lookup = [&](const std::string& key_id) -> Result<std::string> {
      if (key_id == creds.access_key_id) return creds.secret_access_key;
      unknown_key = true;
      return Status(Code::kPermissionDenied, "The security token included in the request is invalid.");
    };
    net::SigV4VerifyOptions vo;
    vo.service = "lambda";
    const Status st = net::sigv4_verify(sr, lookup, vo);
    if (st.ok()) return true;
    const std::string type = unknown_key                               ? "UnrecognizedClientException"
                             : st.code() == Code::kInvalidArgument     ? "MissingAuthenticationTokenException"
                                                                       : "InvalidSignatureException";
    log_warn("platform: refused ", req.method, " ", req.path, ": ", st.message());
    send_json_error(res, 403, type, st.message());
    return false;
  };

  s.Post(R"(/2015-03-31/functions/([^/]+)/invocations)", [this, authorized](const httplib::Request& req,
                                                                            httplib::Response& res) {
    if (!authorized(req, res)) return;
    InvokeOptions o;
    if (req.has_header("X-Amz-Invocation-Type")) o.invocation_type = req.get_header_value("X-Amz-Invocation-Type");
    o.log_tail = req.get_header_value("X-Amz-Log-Type") == "Tail";
    o.client_context = req.get_header_value("X-Amz-Client-Context");
    o.qualifier = req.get_param_value("Qualifier");
    send_platform_response(invoke(req.matches[1], req.body, o), res);
  });

  s.Get(R"(/2015-03-31/functions/?)", [this, authorized](const httplib::Request& req, httplib::Response& res) {
    if (!authorized(req, res)) return;
    Json list = Json::array();
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& [name, f] : functions) {
      list.push_back({{"FunctionName", name},
                      {"FunctionArn", function_arn(name)},
                      {"Runtime", "provided.al2023"},
                      {"Handler", f.config.handler.empty() ? name : f.config.handler},
                      {"MemorySize", f.config.memory_mb},
                      {"Timeout", f.config.timeout_s},
                      {"Version", "$LATEST"},
                      {"Architectures", {f.config.architecture}},
                      {"Environment", {{"Variables", f.config.environment}}}});
    }
    res.set_content(Json{{"Functions", list}}.dump(), "application/json");
  });

  s.Get("/faasdl/billing", [this, authorized](const httplib::Request& req, httplib::Response& res) {
    if (!authorized(req, res)) return;
    const size_t since = since_param(req);
    Json records = Json::array();
    std::lock_guard<std::mutex> lock(mu);
    const size_t first = static_cast<size_t>(billing_dropped);
    for (size_t i = std::max(since, first); i < first + billing.size(); ++i) records.push_back(billing[i - first].to_json());
    res.set_content(Json{{"records", records}, {"next", first + billing.size()}}.dump(), "application/json");
  });

  s.Get("/faasdl/async", [this, authorized](const httplib::Request& req, httplib::Response& res) {
    if (!authorized(req, res)) return;
    const size_t since = since_param(req);
    Json list = Json::array();
    std::lock_guard<std::mutex> lock(mu);
    for (size_t i = since; i < outcomes.size(); ++i) list.push_back(outcomes[i].to_json());
    res.set_content(Json{{"outcomes", list}, {"next", outcomes.size()}, {"pending", queue.size() + async_running}}.dump(),
                    "application/json");
  });

  s.Get("/faasdl/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });

  // Shapes httplib's own errors (unknown route, body over the server limit) like AWS's.
  s.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 404) {
      send_json_error(res, 404, "UnknownOperationException", "Unknown operation " + req.method + " " + req.path);
    } else if (res.status == 413) {
      send_json_error(res, 413, "RequestTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeFunction operation");
    } else {
      send_json_error(res, res.status, "ServiceException", "HTTP " + std::to_string(res.status));
    }
  });
}

}  // namespace faasdl::faas
