#include "net/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "core/clock.h"
#include "core/strings.h"

namespace faasdl::net {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr std::string_view kMismatch =
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method.";

// Headers that proxies and clients add or change in transit; never signed.
bool skip_header(std::string_view lower_name) {
  return lower_name == "authorization" || lower_name == "user-agent" || lower_name == "expect" ||
         lower_name == "x-amzn-trace-id" || lower_name == "transfer-encoding" ||
         lower_name == "connection";
}

// Trims and collapses every run of whitespace (folded lines included) into one space.
std::string canonical_header_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool pending_space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

// (lowercase name, canonical value) sorted by name; values of repeated names joined by ','.
using CanonHeaders = std::vector<std::pair<std::string, std::string>>;

CanonHeaders canonical_headers(const Headers& headers, const std::vector<std::string>* only) {
  CanonHeaders out;
  for (const auto& [name, value] : headers) {
    std::string lower = to_lower(trim(name));
    if (only != nullptr) {
      if (std::find(only->begin(), only->end(), lower) == only->end()) continue;
    } else if (skip_header(lower)) {
      continue;
    }
    std::string v = canonical_header_value(value);
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& kv) { return kv.first == lower; });
    if (it == out.end()) {
      out.emplace_back(std::move(lower), std::move(v));
    } else {
      it->second += ',';
      it->second += v;
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string signed_header_list(const CanonHeaders& headers) {
  std::string out;
  for (const auto& [name, value] : headers) {
    if (!out.empty()) out += ';';
    out += name;
  }
  return out;
}

std::string build_canonical_request(std::string_view method, std::string_view canonical_path,
                                    std::string_view canonical_query, const CanonHeaders& headers,
                                    std::string_view payload_hash) {
  std::string out;
  out.append(method).append("\n").append(canonical_path).append("\n").append(canonical_query).append("\n");
  for (const auto& [name, value] : headers) out.append(name).append(":").append(value).append("\n");
  out.append("\n").append(signed_header_list(headers)).append("\n").append(payload_hash);
  return out;
}

std::string build_string_to_sign(std::string_view date_time, std::string_view scope,
                                 std::string_view canonical_request) {
  return str_cat(kAlgorithm, "\n", date_time, "\n", scope, "\n", sha256_hex(canonical_request));
}

std::string make_scope(std::string_view date8, std::string_view region, std::string_view service) {
  return str_cat(date8, "/", region, "/", service, "/", kTerminator);
}

int64_t now_unix_s() { return unix_ms() / 1000; }

bool is_hex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Status denied(std::string_view message) { return Status(Code::kPermissionDenied, std::string(message)); }

// Splits "a=1, b=2" style fields of an Authorization header.
std::vector<std::pair<std::string, std::string>> auth_fields(std::string_view rest) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& part : split(rest, ',')) {
    std::string_view p = trim(part);
    const size_t eq = p.find('=');
    if (eq == std::string_view::npos) continue;
    out.emplace_back(std::string(trim(p.substr(0, eq))), std::string(trim(p.substr(eq + 1))));
  }
  return out;
}

}  // namespace

// ---- Credentials and params ----

Result<AwsCredentials> AwsCredentials::from_env() {
  AwsCredentials c;
  const char* id = std::getenv("AWS_ACCESS_KEY_ID");
  const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  const char* token = std::getenv("AWS_SESSION_TOKEN");
  if (id == nullptr || *id == '\0') {
    return Status(Code::kNotFound, "AWS credentials: AWS_ACCESS_KEY_ID is not set");
  }
  if (secret == nullptr || *secret == '\0') {
    return Status(Code::kNotFound, "AWS credentials: AWS_SECRET_ACCESS_KEY is not set");
  }
  c.access_key_id = id;
  c.secret_access_key = secret;
  if (token != nullptr) c.session_token = token;
  return c;
}

SigV4Params SigV4Params::for_s3(AwsCredentials credentials, std::string region) {
  SigV4Params p;
  p.credentials = std::move(credentials);
  p.region = std::move(region);
  p.service = "s3";
  p.normalize_path = false;
  p.double_encode_path = false;
  p.sign_body = true;
  return p;
}

// ---- Building blocks ----

std::string amz_date(int64_t unix_time) {
  const auto t = static_cast<time_t>(unix_time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

Result<int64_t> parse_amz_date(std::string_view text) {
  auto bad = [&] { return make_status(Code::kInvalidArgument, "X-Amz-Date '", text, "': expected YYYYMMDDTHHMMSSZ"); };
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return bad();
  for (size_t i = 0; i < 15; ++i) {
    if (i != 8 && !std::isdigit(static_cast<unsigned char>(text[i]))) return bad();
  }
  auto num = [&](size_t at, size_t n) {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) v = v * 10 + (text[i] - '0');
    return v;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
      tm.tm_min > 59 || tm.tm_sec > 60) {
    return bad();
  }
  return static_cast<int64_t>(timegm(&tm));
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr);
  return hex(std::string_view(reinterpret_cast<const char*>(digest), len));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string sigv4_signing_key(std::string_view secret, std::string_view date_yyyymmdd,
                              std::string_view region, std::string_view service) {
  std::string k = hmac_sha256(str_cat("AWS4", secret), date_yyyymmdd);
  k = hmac_sha256(k, region);
  k = hmac_sha256(k, service);
  return hmac_sha256(k, kTerminator);
}

std::string sigv4_canonical_path(std::string_view raw_path, bool normalize, bool double_encode) {
  std::string path = raw_path.empty() ? "/" : std::string(raw_path);
  if (normalize) {
    // RFC 3986 dot-segment removal; empty segments ("//") collapse as well.
    std::vector<std::string_view> out;
    const std::string_view p = path;
    bool trailing = false;
    size_t i = 0;
    while (i <= p.size()) {
      size_t j = p.find('/', i);
      if (j == std::string_view::npos) j = p.size();
      const std::string_view seg = p.substr(i, j - i);
      const bool last = j == p.size();
      if (seg == "..") {
        if (!out.empty()) out.pop_back();
        trailing = true;
      } else if (seg == "." || seg.empty()) {
        trailing = true;
      } else {
        out.push_back(seg);
        trailing = false;
      }
      if (last) break;
      i = j + 1;
    }
    std::string norm;
    for (std::string_view seg : out) norm.append("/").append(seg);
    if (norm.empty() || trailing) norm.push_back('/');
    path = std::move(norm);
  }
  return double_encode ? uri_encode(path, false) : uri_encode(uri_decode(path), false);
}

std::string sigv4_canonical_query(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (auto& [k, v] : parse_query(raw_query)) {
    if (k == "X-Amz-Signature") continue;
    pairs.emplace_back(uri_encode(k), uri_encode(v));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out += '&';
    out.append(k).append("=").append(v);
  }
  return out;
}

// ---- Signing ----

Result<SigV4Signature> sigv4_sign(SignableRequest& request, const SigV4Params& params, SigV4Form form) {
  const AwsCredentials& cred = params.credentials;
  if (cred.access_key_id.empty() || cred.secret_access_key.empty()) {
    return Status(Code::kInvalidArgument, "SigV4: credentials have no access key id or secret");
  }
  if (params.region.empty() || params.service.empty()) {
    return Status(Code::kInvalidArgument, "SigV4: region and service are required");
  }
  if (find_header(request.headers, "Host").empty()) {
    return Status(Code::kInvalidArgument, "SigV4: the request has no Host header");
  }
  const int64_t t = params.unix_time != 0 ? params.unix_time : now_unix_s();
  const std::string date_time = amz_date(t);
  const std::string date8 = date_time.substr(0, 8);

  SigV4Signature sig;
  sig.scope = make_scope(date8, params.region, params.service);
  const std::string body_hash = params.payload_hash.empty() ? sha256_hex(request.body) : params.payload_hash;
  const bool with_token = !cred.session_token.empty();
  const std::string canon_path =
      sigv4_canonical_path(request.path, params.normalize_path, params.double_encode_path);

  if (form == SigV4Form::kHeader) {
    set_header(request.headers, "X-Amz-Date", date_time);
    if (with_token && !params.omit_session_token) {
      set_header(request.headers, "X-Amz-Security-Token", cred.session_token);
    }
    if (params.sign_body) set_header(request.headers, "x-amz-content-sha256", body_hash);
    const CanonHeaders headers = canonical_headers(request.headers, nullptr);
    sig.signed_headers = signed_header_list(headers);
    sig.canonical_request = build_canonical_request(request.method, canon_path,
                                                    sigv4_canonical_query(request.query), headers, body_hash);
    sig.string_to_sign = build_string_to_sign(date_time, sig.scope, sig.canonical_request);
    const std::string key = sigv4_signing_key(cred.secret_access_key, date8, params.region, params.service);
    sig.signature = hex(hmac_sha256(key, sig.string_to_sign));
    sig.authorization = str_cat(kAlgorithm, " Credential=", cred.access_key_id, "/", sig.scope,
                                ", SignedHeaders=", sig.signed_headers, ", Signature=", sig.signature);
    if (with_token && params.omit_session_token) {
      set_header(request.headers, "X-Amz-Security-Token", cred.session_token);
    }
    set_header(request.headers, "Authorization", sig.authorization);
    return sig;
  }

  // Query form: the X-Amz-* parameters join the query and are signed with it.
  std::erase_if(request.headers, [](const auto& kv) { return to_lower(kv.first) == "authorization"; });
  const CanonHeaders headers = canonical_headers(request.headers, nullptr);
  sig.signed_headers = signed_header_list(headers);
  std::string query = request.query;
  auto add = [&query](std::string_view k, std::string_view v) {
    if (!query.empty()) query += '&';
    query.append(k).append("=").append(uri_encode(v));
  };
  add("X-Amz-Algorithm", kAlgorithm);
  add("X-Amz-Credential", str_cat(cred.access_key_id, "/", sig.scope));
  add("X-Amz-Date", date_time);
  add("X-Amz-SignedHeaders", sig.signed_headers);
  add("X-Amz-Expires", std::to_string(params.expires_s));
  std::string signed_query = query;
  if (with_token) {
    add("X-Amz-Security-Token", cred.session_token);
    if (!params.omit_session_token) signed_query = query;
  }
  sig.canonical_request = build_canonical_request(request.method, canon_path,
                                                  sigv4_canonical_query(signed_query), headers, body_hash);
  sig.string_to_sign = build_string_to_sign(date_time, sig.scope, sig.canonical_request);
  const std::string key = sigv4_signing_key(cred.secret_access_key, date8, params.region, params.service);
  sig.signature = hex(hmac_sha256(key, sig.string_to_sign));
  add("X-Amz-Signature", sig.signature);
  request.query = std::move(query);
  return sig;
}

namespace {

Result<SignableRequest> to_signable(const HttpRequest& request, Url* url_out) {
  auto url = parse_url(request.url);
  if (!url.ok()) return url.status();
  SignableRequest s;
  s.method = request.method;
  s.path = url->path;
  s.query = url->query;
  s.headers = request.headers;
  if (find_header(s.headers, "Host").empty()) s.headers.emplace_back("Host", url->host_header());
  s.body = request.body;
  *url_out = std::move(*url);
  return s;
}

}  // namespace

Status sign(HttpRequest& request, const SigV4Params& params) {
  Url url;
  auto s = to_signable(request, &url);
  if (!s.ok()) return s.status();
  auto sig = sigv4_sign(*s, params, SigV4Form::kHeader);
  if (!sig.ok()) return sig.status();
  request.headers = std::move(s->headers);
  return {};
}

Result<std::string> presign_url(const HttpRequest& request, const SigV4Params& params) {
  Url url;
  auto s = to_signable(request, &url);
  if (!s.ok()) return s.status();
  auto sig = sigv4_sign(*s, params, SigV4Form::kQuery);
  if (!sig.ok()) return sig.status();
  return str_cat(url.scheme, "://", url.host_header(), s->path, "?", s->query);
}

// ---- Verifier ----

Status sigv4_verify(const SignableRequest& request, const SecretLookup& lookup,
                    const SigV4VerifyOptions& options, SigV4Caller* caller) {
  const std::string authorization = find_header(request.headers, "Authorization");
  const auto query_params = parse_query(request.query);
  auto query_value = [&](std::string_view key) -> const std::string* {
    for (const auto& [k, v] : query_params) {
      if (k == key) return &v;
    }
    return nullptr;
  };
  const bool query_form = authorization.empty() && query_value("X-Amz-Algorithm") != nullptr;
  if (authorization.empty() && !query_form) {
    return denied("Missing Authentication Token: the request has no Authorization header or X-Amz-Signature");
  }

  std::string algorithm, credential, signed_headers_text, signature, date_time, expires_text, token;
  if (!query_form) {
    const size_t space = authorization.find(' ');
    algorithm = authorization.substr(0, space);
    if (space != std::string::npos) {
      for (const auto& [k, v] : auth_fields(std::string_view(authorization).substr(space + 1))) {
        if (k == "Credential") credential = v;
        else if (k == "SignedHeaders") signed_headers_text = v;
        else if (k == "Signature") signature = v;
      }
    }
    date_time = find_header(request.headers, "X-Amz-Date");
    token = find_header(request.headers, "X-Amz-Security-Token");
  } else {
    auto get = [&](std::string_view k) { const std::string* v = query_value(k); return v ? *v : std::string(); };
    algorithm = get("X-Amz-Algorithm");
    credential = get("X-Amz-Credential");
    signed_headers_text = get("X-Amz-SignedHeaders");
    signature = get("X-Amz-Signature");
    date_time = get("X-Amz-Date");
    expires_text = get("X-Amz-Expires");
    token = get("X-Amz-Security-Token");
  }
  if (algorithm != kAlgorithm) {
    return make_status(Code::kInvalidArgument, "Unsupported signing algorithm '", algorithm,
                       "' (only AWS4-HMAC-SHA256)");
  }
  if (credential.empty() || signed_headers_text.empty() || signature.empty()) {
    return Status(Code::kInvalidArgument,
                  "Incomplete signature: Credential, SignedHeaders and Signature are all required");
  }
  if (date_time.empty()) {
    return Status(Code::kInvalidArgument, "Incomplete signature: X-Amz-Date is required");
  }
  auto signed_at = parse_amz_date(date_time);
  if (!signed_at.ok()) return signed_at.status();

  // Credential = AKID/date/region/service/aws4_request; the key id itself holds no '/'.
  const std::vector<std::string> parts = split(credential, '/');
  if (parts.size() != 5 || parts[0].empty()) {
    return make_status(Code::kInvalidArgument, "Malformed credential '", credential,
                       "': expected <key id>/<date>/<region>/<service>/aws4_request");
  }
  const std::string& key_id = parts[0];
  const std::string& date8 = parts[1];
  const std::string& region = parts[2];
  const std::string& service = parts[3];
  if (parts[4] != kTerminator) return denied(str_cat("Credential should be scoped with a valid terminator: 'aws4_request', not '", parts[4], "'"));
  if (date8 != date_time.substr(0, 8)) {
    return denied(str_cat("Credential should be scoped to a valid date: '", date8,
                          "' does not match X-Amz-Date '", date_time, "'"));
  }
  if (!options.region.empty() && region != options.region) {
    return denied(str_cat("Credential should be scoped to a valid region, not '", region, "' (expected '",
                          options.region, "')"));
  }
  if (!options.service.empty() && service != options.service) {
    return denied(str_cat("Credential should be scoped to correct service: '", options.service,
                          "', not '", service, "'"));
  }

  const int64_t now = options.unix_time != 0 ? options.unix_time : now_unix_s();
  if (!query_form) {
    if (std::llabs(now - *signed_at) > options.max_skew_s) {
      return denied(str_cat("Signature expired or not yet valid: X-Amz-Date ", date_time, " is more than ",
                            options.max_skew_s, " s from the server time ", amz_date(now)));
    }
  } else {
    int64_t expires = 0;
    try {
      expires = parse_int(expires_text, "X-Amz-Expires");
    } catch (const Error& e) {
      return Status(Code::kInvalidArgument, e.what());
    }
    if (expires < 1 || expires > 604800) {
      return Status(Code::kInvalidArgument, "X-Amz-Expires must be between 1 and 604800 seconds");
    }
    if (now + options.max_skew_s < *signed_at) return denied("Request is not yet valid (X-Amz-Date in the future)");
    if (now > *signed_at + expires) return denied(str_cat("Request has expired: signed at ", date_time, " for ", expires, " s"));
  }

  std::vector<std::string> signed_names = split(signed_headers_text, ';');
  for (std::string& n : signed_names) n = to_lower(n);
  if (std::find(signed_names.begin(), signed_names.end(), "host") == signed_names.end()) {
    return denied("The Host header must be signed");
  }
  if (!query_form && std::find(signed_names.begin(), signed_names.end(), "x-amz-date") == signed_names.end()) {
    return denied("The X-Amz-Date header must be signed");
  }
  const CanonHeaders headers = canonical_headers(request.headers, &signed_names);
  if (headers.size() != signed_names.size()) {
    return denied(str_cat("SignedHeaders lists headers the request does not carry: ", signed_headers_text));
  }

  std::string payload_hash = find_header(request.headers, "x-amz-content-sha256");
  const std::string body_hash = sha256_hex(request.body);
  if (!payload_hash.empty()) {
    const bool unsigned_payload = payload_hash == "UNSIGNED-PAYLOAD" || starts_with(payload_hash, "STREAMING-");
    if (!unsigned_payload && payload_hash != body_hash) {
      return denied("The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
  } else if (query_form && service == "s3") {
    payload_hash = "UNSIGNED-PAYLOAD";
  } else {
    payload_hash = body_hash;
  }

  auto secret = lookup(key_id);
  if (!secret.ok()) return secret.status();

  const std::string canon_path =
      sigv4_canonical_path(request.path, options.normalize_path, options.double_encode_path);
  const std::string scope = make_scope(date8, region, service);
  const std::string key = sigv4_signing_key(*secret, date8, region, service);
  auto matches = [&](std::string_view raw_query) {
    const std::string canonical = build_canonical_request(request.method, canon_path,
                                                          sigv4_canonical_query(raw_query), headers, payload_hash);
    const std::string expected = hex(hmac_sha256(key, build_string_to_sign(date_time, scope, canonical)));
    return expected.size() == signature.size() && is_hex64(signature) &&
           CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) == 0;
  };
  bool ok = matches(request.query);
  if (!ok && query_form && options.allow_unsigned_query_token && !token.empty()) {
    // The token was appended after signing (omit_session_token): sign without it.
    std::string without;
    size_t start = 0;
    while (start <= request.query.size()) {
      size_t end = request.query.find('&', start);
      if (end == std::string::npos) end = request.query.size();
      std::string_view part = std::string_view(request.query).substr(start, end - start);
      if (!starts_with(part, "X-Amz-Security-Token=") && !part.empty()) {
        if (!without.empty()) without += '&';
        without.append(part);
      }
      start = end + 1;
    }
    ok = matches(without);
  }
  if (!ok) return denied(kMismatch);

  if (caller != nullptr) {
    caller->access_key_id = key_id;
    caller->session_token = token;
    caller->region = region;
    caller->service = service;
  }
  return {};
}

}  // namespace faasdl::net
