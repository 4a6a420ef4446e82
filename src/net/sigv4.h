// AWS Signature Version 4: signing outgoing requests (Authorization header or pre-signed query)
// and verifying incoming ones (the local platform's Invoke API, tests).
//
// Both sides build the same canonical request from a SignableRequest: the method, the RAW path
// and query exactly as they travel on the wire (still percent-encoded), the header fields and the
// body. A server must therefore hand the verifier the undecoded request target (with
// cpp-httplib: split Request::target at '?', not Request::path, which is decoded). cpp-httplib
// 0.11 also decodes %XX in received header values, so a signed header whose value holds '%'
// cannot be verified behind it; the standard signed headers (host, x-amz-date,
// x-amz-security-token, x-amz-content-sha256, content-type) never do.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "net/http.h"

namespace faasdl::net {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  // Temporary credentials only (STS); "" when none.
  std::string session_token;

  // AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optional AWS_SESSION_TOKEN;
  // kNotFound naming the missing variable when the key id or secret is unset or empty.
  static Result<AwsCredentials> from_env();
};

struct SigV4Params {
  AwsCredentials credentials;
  // Region of the credential scope. Default "us-east-1".
  std::string region = "us-east-1";
  // Service of the credential scope: "s3", "lambda", ... Default "".
  std::string service;
  // Signing time in Unix seconds; 0 = now. Default 0.
  int64_t unix_time = 0;
  // Remove "." / ".." segments and empty segments from the path before encoding. S3: false.
  // Default true.
  bool normalize_path = true;
  // Percent-encode the (already encoded) wire path once more, as every service but S3 expects.
  // When false the canonical path is the wire path decoded and re-encoded once. S3: false.
  // Default true.
  bool double_encode_path = true;
  // Header form: add x-amz-content-sha256 (the body's SHA-256) and sign it. S3 requires it.
  // Default false.
  bool sign_body = false;
  // Payload hash to use instead of hashing the body, e.g. "UNSIGNED-PAYLOAD"; "" = hash the body.
  // Default "".
  std::string payload_hash;
  // Leave the session token out of the signature and add it after signing (some STS flows).
  // Default false.
  bool omit_session_token = false;
  // Query form: validity of the pre-signed request in seconds (X-Amz-Expires). Default 3600.
  int64_t expires_s = 3600;

  // Settings S3 expects: no path normalisation, no double encoding, signed body hash.
  static SigV4Params for_s3(AwsCredentials credentials, std::string region);
};

// The parts of an HTTP request that SigV4 signs.
struct SignableRequest {
  std::string method;
  // Raw path as sent on the wire, e.g. "/my%20bucket/a/b" ("/" when empty).
  std::string path;
  // Raw query without '?', e.g. "list-type=2&prefix=a%2Fb"; "" when none.
  std::string query;
  // Header fields in order; must include Host. Duplicates and folded values are allowed.
  Headers headers;
  std::string body;
};

enum class SigV4Form {
  kHeader,  // Authorization header
  kQuery,   // pre-signed URL: X-Amz-* query parameters
};

// Everything one signing step produced, for callers and tests.
struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // lowercase hex
  std::string authorization;  // Authorization header value (header form); "" for query form
  std::string signed_headers; // "host;x-amz-date"
  std::string scope;          // "20150830/us-east-1/service/aws4_request"
};

// Signs `request` in place.
// Header form: adds X-Amz-Date, X-Amz-Security-Token (with a session token),
// x-amz-content-sha256 (sign_body), then Authorization.
// Query form: appends X-Amz-Algorithm, -Credential, -Date, -Expires, (-Security-Token),
// -SignedHeaders and finally X-Amz-Signature to request.query.
// kInvalidArgument when credentials, region or service are missing or Host is absent.
Result<SigV4Signature> sigv4_sign(SignableRequest& request, const SigV4Params& params,
                                  SigV4Form form = SigV4Form::kHeader);

// Signs an HttpRequest with the Authorization header: adds Host when absent, then the headers
// above. The body is signed as it is now, so set it first.
Status sign(HttpRequest& request, const SigV4Params& params);

// Returns request.url with the pre-signed query parameters appended (query form).
Result<std::string> presign_url(const HttpRequest& request, const SigV4Params& params);

// ---- Building blocks (exposed for tests and the verifier) ----

// "20150830T123600Z" for Unix seconds.
std::string amz_date(int64_t unix_time);
// Parses "20150830T123600Z"; kInvalidArgument when malformed.
Result<int64_t> parse_amz_date(std::string_view amz_date);
// Lowercase hex SHA-256 of bytes.
std::string sha256_hex(std::string_view bytes);
// Raw HMAC-SHA256.
std::string hmac_sha256(std::string_view key, std::string_view data);
// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
std::string sigv4_signing_key(std::string_view secret, std::string_view date_yyyymmdd,
                              std::string_view region, std::string_view service);
// Canonical path for the given settings.
std::string sigv4_canonical_path(std::string_view raw_path, bool normalize, bool double_encode);
// Canonical query: decoded then re-encoded pairs sorted by key, then value; X-Amz-Signature
// is left out.
std::string sigv4_canonical_query(std::string_view raw_query);

// ---- Verifier ----

// Finds the secret for an access key id; a non-ok Status rejects the request (kPermissionDenied
// is the usual answer for an unknown key).
using SecretLookup = std::function<Result<std::string>(const std::string& access_key_id)>;

struct SigV4VerifyOptions {
  // Expected region of the credential scope; "" accepts any. Default "".
  std::string region;
  // Expected service of the credential scope; "" accepts any. Default "".
  std::string service;
  // Largest accepted difference between X-Amz-Date and now, in seconds (AWS: 15 min).
  // Default 900.
  int64_t max_skew_s = 900;
  // "Now" in Unix seconds; 0 = the wall clock. Default 0.
  int64_t unix_time = 0;
  // Canonical path settings; must match the signer's. Defaults true / true (S3: false / false).
  bool normalize_path = true;
  bool double_encode_path = true;
  // Query form: also accept a signature computed without X-Amz-Security-Token, for signers that
  // append the token after signing (SigV4Params::omit_session_token). Default false.
  bool allow_unsigned_query_token = false;
};

// What a successful verification established.
struct SigV4Caller {
  std::string access_key_id;
  std::string session_token;  // "" when none was sent
  std::string region;
  std::string service;
};

// Recomputes the signature of an incoming request signed either by Authorization header or by
// pre-signed query and compares it in constant time. Checks the algorithm, the credential scope
// (date matching X-Amz-Date, region, service, "aws4_request"), the clock skew (or expiry for the
// query form), that Host is signed, and that x-amz-content-sha256, when present and not
// UNSIGNED-PAYLOAD / STREAMING-*, matches the body.
// kPermissionDenied on any mismatch or when the request is not signed at all, with AWS-like
// messages ("The request signature we calculated does not match the signature you provided.
// ..."); kInvalidArgument for malformed SigV4 fields; the lookup's Status for an unknown key.
// For pre-signed requests without x-amz-content-sha256 the payload hash is "UNSIGNED-PAYLOAD"
// when the scope's service is "s3", the body's SHA-256 otherwise. On success fills *caller.
Status sigv4_verify(const SignableRequest& request, const SecretLookup& lookup,
                    const SigV4VerifyOptions& options, SigV4Caller* caller = nullptr);

}  // namespace faasdl::net
