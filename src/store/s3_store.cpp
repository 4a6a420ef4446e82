// s3://bucket[/prefix] — the S3 REST API (PUT/GET/HEAD/DELETE Object, ListObjectsV2), signed
// with SigV4 (service "s3", unnormalised single-encoded paths, x-amz-content-sha256).
#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "core/strings.h"
#include "net/http.h"
#include "net/sigv4.h"
#include "store/detail/backends.h"

namespace faasdl::store_detail {
namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

std::string xml_unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    const size_t semi = s.find(';', i);
    if (semi == std::string_view::npos) {
      out.push_back('&');
      continue;
    }
    const std::string_view ent = s.substr(i + 1, semi - i - 1);
    unsigned long code = 0;
    bool numeric = false;
    if (ent == "amp") out.push_back('&');
    else if (ent == "lt") out.push_back('<');
    else if (ent == "gt") out.push_back('>');
    else if (ent == "quot") out.push_back('"');
    else if (ent == "apos") out.push_back('\'');
    else if (ent.size() > 1 && ent[0] == '#') {
      numeric = true;
      const bool hexa = ent[1] == 'x' || ent[1] == 'X';
      code = std::strtoul(std::string(ent.substr(hexa ? 2 : 1)).c_str(), nullptr, hexa ? 16 : 10);
    } else {
      out.push_back('&');
      continue;
    }
    if (numeric) {  // UTF-8 encode the code point
      if (code < 0x80) {
        out.push_back(static_cast<char>(code));
      } else if (code < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (code >> 6)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
      } else if (code < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (code >> 12)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
      } else {
        out.push_back(static_cast<char>(0xF0 | (code >> 18)));
        out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
      }
    }
    i = semi;
  }
  return out;
}

// Text of every <tag>...</tag> element, unescaped, in document order.
std::vector<std::string> xml_texts(std::string_view xml, std::string_view tag) {
  std::vector<std::string> out;
  const std::string open = str_cat("<", tag, ">");
  const std::string close = str_cat("</", tag, ">");
  size_t at = 0;
  while ((at = xml.find(open, at)) != std::string_view::npos) {
    const size_t start = at + open.size();
    const size_t end = xml.find(close, start);
    if (end == std::string_view::npos) break;
    out.push_back(xml_unescape(xml.substr(start, end - start)));
    at = end + close.size();
  }
  return out;
}

std::string xml_text(std::string_view xml, std::string_view tag) {
  auto all = xml_texts(xml, tag);
  return all.empty() ? "" : all.front();
}

class S3Store final : public Store {
 public:
  S3Store(std::string bucket, std::string prefix, net::Url endpoint, net::SigV4Params sig, const StoreOptions& o)
      : bucket_(std::move(bucket)),
        prefix_(std::move(prefix)),
        endpoint_(std::move(endpoint)),
        sig_(std::move(sig)),
        virtual_hosted_(o.s3_virtual_hosted),
        max_keys_(std::clamp(o.s3_max_keys, 1, 1000)),
        http_(o.s3_http) {
    base_path_ = endpoint_.path;
    while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
  }

  Status put(const std::string& key, std::string_view bytes, Deadline deadline) override {
    if (Status v = validate_key(key); !v.ok()) return v;
    net::HttpRequest req = request("PUT", object_path(key), "");
    req.body.assign(bytes.data(), bytes.size());
    req.set_header("Content-Type", "application/octet-stream");
    auto res = send(req, deadline, what("PUT", key));
    if (!res.ok()) return res.status();
    return check(*res, what("PUT", key));
  }

  Result<std::string> get(const std::string& key, Deadline deadline) override {
    if (Status v = validate_key(key); !v.ok()) return v;
    auto res = send(request("GET", object_path(key), ""), deadline, what("GET", key));
    if (!res.ok()) return res.status();
    if (res->status == 404 && xml_text(res->body, "Code") != "NoSuchBucket") {
      return make_status(Code::kNotFound, uri(), ": no key '", key, "'");
    }
    if (Status s = check(*res, what("GET", key)); !s.ok()) return s;
    return std::move(res->body);
  }

  Result<bool> exists(const std::string& key, Deadline deadline) override {
    if (Status v = validate_key(key); !v.ok()) return v;
    auto res = send(request("HEAD", object_path(key), ""), deadline, what("HEAD", key));
    if (!res.ok()) return res.status();
    if (res->status == 404) return false;
    if (Status s = check(*res, what("HEAD", key)); !s.ok()) return s;
    return true;
  }

  Result<std::vector<std::string>> list(const std::string& prefix, Deadline deadline) override {
    if (Status v = validate_prefix(prefix); !v.ok()) return v;
    std::vector<std::string> keys;
    std::string token;
    const std::string full_prefix = prefix_ + prefix;
    for (int page = 0;; ++page) {
      std::vector<std::pair<std::string, std::string>> q{{"list-type", "2"},
                                                         {"max-keys", std::to_string(max_keys_)},
                                                         {"prefix", full_prefix}};
      if (!token.empty()) q.emplace_back("continuation-token", token);
      auto res = send(request("GET", bucket_path(), net::build_query(q)), deadline, what("LIST", prefix));
      if (!res.ok()) return res.status();
      if (Status s = check(*res, what("LIST", prefix)); !s.ok()) return s;
      for (std::string& k : xml_texts(res->body, "Key")) {
        if (starts_with(k, prefix_)) keys.push_back(k.substr(prefix_.size()));
      }
      const bool truncated = xml_text(res->body, "IsTruncated") == "true";
      token = xml_text(res->body, "NextContinuationToken");
      if (!truncated) break;
      if (token.empty()) {
        return make_status(Code::kDataLoss, what("LIST", prefix), ": truncated listing without a continuation token");
      }
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    return keys;
  }

  Status remove(const std::string& key, Deadline deadline) override {
    if (Status v = validate_key(key); !v.ok()) return v;
    auto res = send(request("DELETE", object_path(key), ""), deadline, what("DELETE", key));
    if (!res.ok()) return res.status();
    if (res->status == 404 && xml_text(res->body, "Code") != "NoSuchBucket") return {};
    return check(*res, what("DELETE", key));
  }

  std::string uri() const override {
    return str_cat("s3://", bucket_, prefix_.empty() ? "" : "/", prefix_);
  }
  StoreStats stats() const override { return {}; }

 private:
  std::string what(const char* op, const std::string& key) const { return str_cat(uri(), ": ", op, " ", key); }

  std::string bucket_path() const { return virtual_hosted_ ? base_path_ + "/" : base_path_ + "/" + bucket_; }
  std::string object_path(const std::string& key) const {
    return str_cat(virtual_hosted_ ? base_path_ : base_path_ + "/" + bucket_, "/",
                   net::uri_encode(prefix_ + key, /*encode_slash=*/false));
  }

  net::HttpRequest request(const char* method, const std::string& path, const std::string& query) const {
    net::HttpRequest req;
    req.method = method;
    const std::string host = virtual_hosted_ ? bucket_ + "." + endpoint_.host_header() : endpoint_.host_header();
    req.url = str_cat(endpoint_.scheme, "://", host, path, query.empty() ? "" : "?", query);
    return req;
  }

  // Signs (afresh on every try: the date is part of the signature) and sends.
  Result<net::HttpResponse> send(net::HttpRequest req, Deadline deadline, const std::string& what) const {
    if (Status s = net::sign(req, sig_); !s.ok()) return make_status(s.code(), what, ": ", s.message());
    return net::http_send(req, deadline, http_);
  }

  Status check(const net::HttpResponse& res, const std::string& what) const {
    if (res.status >= 200 && res.status < 300) return {};
    Code code = net::code_from_http(res.status);
    const std::string s3code = xml_text(res.body, "Code");
    const std::string message = xml_text(res.body, "Message");
    if (s3code == "RequestTimeout" || s3code == "SlowDown" || s3code == "InternalError" ||
        s3code == "ServiceUnavailable" || s3code == "OperationAborted") {
      code = Code::kUnavailable;
    } else if (s3code == "NoSuchBucket") {
      code = Code::kNotFound;
    }
    if (code == Code::kOk) code = Code::kInternal;  // 3xx: a redirect to another region or host
    return make_status(code, what, ": HTTP ", res.status, s3code.empty() ? "" : " ", s3code,
                       message.empty() ? "" : ": ", message,
                       s3code == "NoSuchBucket" ? str_cat(" (bucket '", bucket_, "')") : "");
  }

  const std::string bucket_;
  const std::string prefix_;  // "" or ending in '/'
  const net::Url endpoint_;
  const net::SigV4Params sig_;
  const bool virtual_hosted_;
  const int max_keys_;
  const net::HttpOptions http_;
  std::string base_path_;
};

}  // namespace

std::unique_ptr<Store> open_s3_store(const std::string& rest, const StoreOptions& options) {
  const std::string uri = "s3://" + rest;
  const size_t slash = rest.find('/');
  const std::string bucket = rest.substr(0, slash);
  FAASDL_CHECK(!bucket.empty(), "store URI '", uri, "': no bucket (expected s3://bucket/prefix)");
  for (char c : bucket) {
    FAASDL_CHECK(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
                     c == '-' || c == '.' || c == '_',
                 "store URI '", uri, "': bucket '", bucket, "' may hold only a-z, 0-9, '-', '.' and '_'");
  }
  std::string prefix = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  if (!prefix.empty()) {
    const Status v = validate_prefix(prefix);
    FAASDL_CHECK(v.ok(), "store URI '", uri, "': ", v.message());
  }

  std::string region = options.s3_region;
  if (region.empty()) region = env_or("AWS_REGION", env_or("AWS_DEFAULT_REGION", "us-east-1"));
  std::string endpoint = options.s3_endpoint;
  if (endpoint.empty()) {
    endpoint = env_or("AWS_ENDPOINT_URL_S3", env_or("AWS_ENDPOINT_URL", "https://s3." + region + ".amazonaws.com"));
  }
  auto url = net::parse_url(endpoint);
  FAASDL_CHECK(url.ok(), "store URI '", uri, "': S3 endpoint: ", url.status().message());
  FAASDL_CHECK(url->query.empty(), "store URI '", uri, "': S3 endpoint '", endpoint, "' must not have a query");

  net::AwsCredentials cred = options.s3_credentials;
  if (cred.access_key_id.empty()) {
    auto env = net::AwsCredentials::from_env();
    FAASDL_CHECK(env.ok(), "store URI '", uri, "': no S3 credentials: ", env.status().message(),
                 " (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or StoreOptions.s3_credentials)");
    cred = std::move(*env);
  }
  FAASDL_CHECK(!cred.secret_access_key.empty(), "store URI '", uri, "': S3 credentials have no secret access key");
  return std::make_unique<S3Store>(bucket, prefix, std::move(*url), net::SigV4Params::for_s3(std::move(cred), region),
                                   options);
}

}  // namespace faasdl::store_detail
