#include "net/http.h"

#include <httplib.h>

#include <cctype>
#include <cstring>
#include <memory>

#include "core/strings.h"

namespace faasdl::net {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits milliseconds into the (seconds, microseconds) pair cpp-httplib takes.
std::pair<time_t, time_t> sec_usec(int64_t ms) {
  if (ms < 1) ms = 1;
  return {static_cast<time_t>(ms / 1000), static_cast<time_t>((ms % 1000) * 1000)};
}

Status transport_status(httplib::Error error, const HttpRequest& request, const Url& url,
                        Deadline deadline) {
  // A read or connect that ran out the clock reports as a transport error; the deadline tells
  // which it was. A few ms of slack covers the timer granularity of poll().
  const bool out_of_time = deadline.remaining_ms() <= 5;
  if (out_of_time || error == httplib::Error::Canceled) {
    return make_status(Code::kDeadlineExceeded, request.method, " ", url.origin(), url.path,
                       ": deadline exceeded (", httplib::to_string(error), ")");
  }
  return make_status(Code::kUnavailable, request.method, " ", url.origin(), url.path, ": ",
                     httplib::to_string(error));
}

}  // namespace

std::string find_header(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return "";
}

void set_header(Headers& headers, std::string_view name, std::string_view value) {
  std::erase_if(headers, [&](const auto& kv) { return iequals(kv.first, name); });
  headers.emplace_back(std::string(name), std::string(value));
}

// ---- URLs ----

std::string Url::host_header() const {
  const bool default_port = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return default_port ? h : h + ":" + std::to_string(port);
}

std::string Url::origin() const {
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return scheme + "://" + h + ":" + std::to_string(port);
}

std::string Url::target() const { return query.empty() ? path : path + "?" + query; }

Result<Url> parse_url(std::string_view text) {
  Url url;
  const size_t sep = text.find("://");
  if (sep == std::string_view::npos) {
    return make_status(Code::kInvalidArgument, "URL '", text, "': expected scheme://host[:port]/path");
  }
  url.scheme = to_lower(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https") {
    return make_status(Code::kInvalidArgument, "URL '", text, "': unsupported scheme '", url.scheme,
                       "' (http or https)");
  }
  std::string_view rest = text.substr(sep + 3);
  if (const size_t hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  const size_t path_at = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_at);
  std::string_view target = path_at == std::string_view::npos ? "" : rest.substr(path_at);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return make_status(Code::kInvalidArgument, "URL '", text, "': unterminated IPv6 address");
    }
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return make_status(Code::kInvalidArgument, "URL '", text, "': bad authority");
      port_text = after.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return make_status(Code::kInvalidArgument, "URL '", text, "': empty host");
  if (!port_text.empty()) {
    int port = 0;
    for (char c : port_text) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || port > 65535) {
        return make_status(Code::kInvalidArgument, "URL '", text, "': bad port '", port_text, "'");
      }
      port = port * 10 + (c - '0');
    }
    if (port < 1 || port > 65535) {
      return make_status(Code::kInvalidArgument, "URL '", text, "': port out of range");
    }
    url.port = port;
  } else {
    url.port = url.scheme == "https" ? 443 : 80;
  }
  const size_t q = target.find('?');
  url.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) url.query = std::string(target.substr(q + 1));
  if (url.path.empty()) url.path = "/";
  return url;
}

// ---- Percent-encoding ----

std::string uri_encode(std::string_view s, bool encode_slash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3 / 2);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !encode_slash)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string uri_decode(std::string_view s, bool plus_as_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_as_space && s[i] == '+' ? ' ' : s[i]);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view part = query.substr(start, end - start);
    if (!part.empty()) {
      const size_t eq = part.find('=');
      if (eq == std::string_view::npos) {
        out.emplace_back(uri_decode(part), "");
      } else {
        out.emplace_back(uri_decode(part.substr(0, eq)), uri_decode(part.substr(eq + 1)));
      }
    }
    start = end + 1;
  }
  return out;
}

std::string build_query(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out += '&';
    out.append(uri_encode(k)).append("=").append(uri_encode(v));
  }
  return out;
}

// ---- Status mapping ----

Code code_from_http(int status) {
  if (status >= 200 && status < 400) return Code::kOk;
  switch (status) {
    case 400: return Code::kInvalidArgument;
    case 401:
    case 403: return Code::kPermissionDenied;
    case 404: return Code::kNotFound;
    case 408:
    case 504: return Code::kDeadlineExceeded;
    case 409:
    case 412: return Code::kAlreadyExists;
    case 413: return Code::kResourceExhausted;
    case 429: return Code::kUnavailable;
    default: break;
  }
  if (status >= 500) return Code::kUnavailable;
  return Code::kInvalidArgument;
}

Status status_from_http(const HttpResponse& response, std::string_view what) {
  const Code code = code_from_http(response.status);
  if (code == Code::kOk) return {};
  std::string body = response.body.substr(0, 300);
  for (char& c : body) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return make_status(code, what, ": HTTP ", response.status, body.empty() ? "" : ": ", body);
}

// ---- Sending ----

Result<HttpResponse> http_send(const HttpRequest& request, Deadline deadline) {
  return http_send(request, deadline, HttpOptions{});
}

Result<HttpResponse> http_send(const HttpRequest& request, Deadline deadline, const HttpOptions& options) {
  auto url = parse_url(request.url);
  if (!url.ok()) return url.status();
  if (deadline.expired()) {
    return make_status(Code::kDeadlineExceeded, request.method, " ", url->origin(), url->path,
                       ": deadline passed before the request was sent");
  }

  std::unique_ptr<httplib::ClientImpl> client;
  if (url->scheme == "https") {
    auto ssl = std::make_unique<httplib::SSLClient>(url->host, url->port);
    ssl->enable_server_certificate_verification(options.verify_tls);
    if (!options.ca_file.empty()) ssl->set_ca_cert_path(options.ca_file);
    client = std::move(ssl);
  } else {
    client = std::make_unique<httplib::ClientImpl>(url->host, url->port);
  }
  const int64_t left = deadline.remaining_ms();
  const auto [csec, cusec] = sec_usec(std::min(left, options.max_connect_ms));
  const auto [sec, usec] = sec_usec(left);
  // Small requests and replies: without TCP_NODELAY, delayed ACKs add ~40 ms per round trip.
  client->set_tcp_nodelay(true);
  client->set_connection_timeout(csec, cusec);
  client->set_read_timeout(sec, usec);
  client->set_write_timeout(sec, usec);
  client->set_keep_alive(false);
  client->set_follow_location(false);
  client->set_url_encode(false);  // the target is sent exactly as given (it may be signed)
  client->set_decompress(false);  // the body is returned exactly as sent

  httplib::Request req;
  req.method = request.method;
  req.path = url->target();
  // httplib adds Host, Accept, User-Agent and Content-Length only where the caller set none,
  // so a signed Host header goes out unchanged.
  for (const auto& [k, v] : request.headers) req.headers.emplace(k, v);
  req.body = request.body;
  // Give up on a body that is still arriving when the deadline passes.
  req.progress = [deadline](uint64_t, uint64_t) { return !deadline.expired(); };

  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  if (!client->send(req, res, error)) {
    return transport_status(error, request, *url, deadline);
  }
  HttpResponse out;
  out.status = res.status;
  out.headers.reserve(res.headers.size());
  for (const auto& [k, v] : res.headers) out.headers.emplace_back(k, v);
  out.body = std::move(res.body);
  return out;
}

// ---- Retries ----

int64_t retry_backoff_ms(const RetryPolicy& policy, int attempt) {
  double pause = static_cast<double>(std::max<int64_t>(0, policy.initial_backoff_ms));
  for (int i = 1; i < attempt && pause < static_cast<double>(policy.max_backoff_ms); ++i) {
    pause *= std::max(1.0, policy.multiplier);
  }
  return std::min(static_cast<int64_t>(pause), std::max<int64_t>(0, policy.max_backoff_ms));
}

namespace detail {
double retry_jitter_unit() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(gen);
}
}  // namespace detail

}  // namespace faasdl::net
