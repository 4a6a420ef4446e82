// SigV4 against the official AWS signing test suite (tests/net/data/aws-sigv4, Apache-2.0):
// every vector, header and query form, signer and verifier.
#include "net/sigv4.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "core/fs.h"
#include "core/json.h"
#include "core/strings.h"

namespace faasdl::net {
namespace {

const std::string kDataDir = std::string(FAASDL_SOURCE_DIR) + "/tests/net/data/aws-sigv4";

const std::vector<std::string> kVectors = {
    "get-header-key-duplicate", "get-header-value-multiline", "get-header-value-order",
    "get-header-value-trim", "get-relative-normalized", "get-relative-relative-normalized",
    "get-relative-relative-unnormalized", "get-relative-unnormalized", "get-slash-dot-slash-normalized",
    "get-slash-dot-slash-unnormalized", "get-slash-normalized", "get-slash-pointless-dot-normalized",
    "get-slash-pointless-dot-unnormalized", "get-slash-unnormalized", "get-slashes-normalized",
    "get-slashes-unnormalized", "get-space-normalized", "get-space-unnormalized", "get-unreserved",
    "get-utf8", "get-vanilla-empty-query-key", "get-vanilla-query-order-encoded",
    "get-vanilla-query-order-key-case", "get-vanilla-query-unreserved", "get-vanilla-query",
    "get-vanilla-utf8-query", "get-vanilla-with-session-token", "get-vanilla", "post-header-key-case",
    "post-header-key-sort", "post-header-value-case", "post-sts-header-after", "post-sts-header-before",
    "post-vanilla-empty-query-value", "post-vanilla-query", "post-vanilla",
    "post-x-www-form-urlencoded-parameters", "post-x-www-form-urlencoded",
};

std::string read_text(const std::string& vector, const std::string& file) {
  std::string s = read_file(kDataDir + "/" + vector + "/" + file);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// Parses a raw HTTP/1.1 request as the suite writes it: the target may hold spaces and UTF-8,
// lines starting with whitespace continue the previous header, the body is every byte after
// the first empty line.
SignableRequest parse_raw_request(const std::string& text) {
  size_t split_at = text.find("\n\n");
  const std::string head = text.substr(0, split_at);
  SignableRequest r;
  if (split_at != std::string::npos) r.body = text.substr(split_at + 2);
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= head.size()) {
    size_t end = head.find('\n', start);
    if (end == std::string::npos) end = head.size();
    std::string line = head.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
    start = end + 1;
  }
  const std::string& rl = lines.at(0);
  const size_t first = rl.find(' ');
  const size_t last = rl.rfind(' ');
  r.method = rl.substr(0, first);
  const std::string target = rl.substr(first + 1, last - first - 1);
  const size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = target.substr(q + 1);
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.empty()) continue;
    if ((line[0] == ' ' || line[0] == '\t') && !r.headers.empty()) {
      r.headers.back().second += "\n" + line;
      continue;
    }
    const size_t colon = line.find(':');
    r.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  return r;
}

// A file of the vector exactly as stored.
std::string read_raw(const std::string& vector, const std::string& file) {
  return read_file(kDataDir + "/" + vector + "/" + file);
}

struct Vector {
  std::string name;
  SignableRequest request;
  SigV4Params params;
  std::string secret;
};

Vector load(const std::string& name) {
  Vector v;
  v.name = name;
  const Json ctx = parse_json(read_file(kDataDir + "/" + name + "/context.json"), name);
  const Json& cred = ctx.at("credentials");
  v.params.credentials.access_key_id = cred.at("access_key_id").get<std::string>();
  v.params.credentials.secret_access_key = cred.at("secret_access_key").get<std::string>();
  v.params.credentials.session_token = cred.value("token", std::string());
  v.params.region = ctx.at("region").get<std::string>();
  v.params.service = ctx.at("service").get<std::string>();
  v.params.normalize_path = ctx.at("normalize").get<bool>();
  v.params.double_encode_path = true;
  v.params.sign_body = ctx.value("sign_body", false);
  v.params.omit_session_token = ctx.value("omit_session_token", false);
  v.params.expires_s = ctx.value("expiration_in_seconds", int64_t{3600});
  std::string ts = ctx.at("timestamp").get<std::string>();  // 2015-08-30T12:36:00Z
  std::erase(ts, '-');
  std::erase(ts, ':');
  v.params.unix_time = *parse_amz_date(ts);
  v.secret = v.params.credentials.secret_access_key;
  v.request = parse_raw_request(read_raw(name, "request.txt"));
  return v;
}

// (lowercase name, value) pairs, sorted, to compare header sets regardless of order.
std::vector<std::pair<std::string, std::string>> header_set(const Headers& headers) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, v] : headers) out.emplace_back(to_lower(k), v);
  std::sort(out.begin(), out.end());
  return out;
}

SigV4VerifyOptions verify_options(const Vector& v) {
  SigV4VerifyOptions o;
  o.region = v.params.region;
  o.service = v.params.service;
  o.unix_time = v.params.unix_time;
  o.normalize_path = v.params.normalize_path;
  o.double_encode_path = v.params.double_encode_path;
  o.allow_unsigned_query_token = v.params.omit_session_token;
  return o;
}

SecretLookup lookup_for(const std::string& id, const std::string& secret) {
  return [id, secret](const std::string& key) -> Result<std::string> {
    if (key != id) return make_status(Code::kPermissionDenied, "The security token included in the request is invalid: ", key);
    return secret;
  };
}

class SigV4Suite : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4Suite, HeaderForm) {
  Vector v = load(GetParam());
  SignableRequest req = v.request;
  auto sig = sigv4_sign(req, v.params, SigV4Form::kHeader);
  ASSERT_TRUE(sig.ok()) << sig.status().to_string();
  EXPECT_EQ(sig->canonical_request, read_text(v.name, "header-canonical-request.txt"));
  EXPECT_EQ(sig->string_to_sign, read_text(v.name, "header-string-to-sign.txt"));
  EXPECT_EQ(sig->signature, read_text(v.name, "header-signature.txt"));

  const SignableRequest expected = parse_raw_request(read_raw(v.name, "header-signed-request.txt"));
  EXPECT_EQ(header_set(req.headers), header_set(expected.headers));
  EXPECT_EQ(req.path, expected.path);
  EXPECT_EQ(req.query, expected.query);
}

TEST_P(SigV4Suite, QueryForm) {
  Vector v = load(GetParam());
  SignableRequest req = v.request;
  auto sig = sigv4_sign(req, v.params, SigV4Form::kQuery);
  ASSERT_TRUE(sig.ok()) << sig.status().to_string();
  EXPECT_EQ(sig->canonical_request, read_text(v.name, "query-canonical-request.txt"));
  EXPECT_EQ(sig->string_to_sign, read_text(v.name, "query-string-to-sign.txt"));
  EXPECT_EQ(sig->signature, read_text(v.name, "query-signature.txt"));

  const SignableRequest expected = parse_raw_request(read_raw(v.name, "query-signed-request.txt"));
  EXPECT_EQ(req.path, expected.path);
  EXPECT_EQ(req.query, expected.query);
  EXPECT_EQ(header_set(req.headers), header_set(expected.headers));
}

TEST_P(SigV4Suite, VerifierAcceptsTheSuiteSignedRequests) {
  Vector v = load(GetParam());
  const SecretLookup lookup = lookup_for(v.params.credentials.access_key_id, v.secret);
  for (const char* file : {"header-signed-request.txt", "query-signed-request.txt"}) {
    const SignableRequest signed_req = parse_raw_request(read_raw(v.name, file));
    SigV4Caller caller;
    const Status s = sigv4_verify(signed_req, lookup, verify_options(v), &caller);
    EXPECT_TRUE(s.ok()) << file << ": " << s.to_string();
    EXPECT_EQ(caller.access_key_id, "AKIDEXAMPLE");
    EXPECT_EQ(caller.session_token, v.params.credentials.session_token) << file;
  }
}

TEST_P(SigV4Suite, VerifierRejectsWrongSecretAndTampering) {
  Vector v = load(GetParam());
  const std::string id = v.params.credentials.access_key_id;
  for (SigV4Form form : {SigV4Form::kHeader, SigV4Form::kQuery}) {
    SCOPED_TRACE(form == SigV4Form::kHeader ? "header form" : "query form");
    SignableRequest good = v.request;
    ASSERT_TRUE(sigv4_sign(good, v.params, form).ok());
    const SigV4VerifyOptions opts = verify_options(v);
    EXPECT_TRUE(sigv4_verify(good, lookup_for(id, v.secret), opts).ok());

    // Signed with another secret.
    SigV4Params wrong = v.params;
    wrong.credentials.secret_access_key = "not-the-secret";
    SignableRequest forged = v.request;
    ASSERT_TRUE(sigv4_sign(forged, wrong, form).ok());
    Status s = sigv4_verify(forged, lookup_for(id, v.secret), opts);
    EXPECT_EQ(s.code(), Code::kPermissionDenied);
    EXPECT_NE(s.message().find("does not match the signature you provided"), std::string::npos) << s.message();

    // Unknown access key.
    s = sigv4_verify(good, lookup_for("AKIDOTHER", v.secret), opts);
    EXPECT_EQ(s.code(), Code::kPermissionDenied);

    // Tampered body.
    SignableRequest body = good;
    body.body += "tampered";
    EXPECT_EQ(sigv4_verify(body, lookup_for(id, v.secret), opts).code(), Code::kPermissionDenied);

    // Tampered signed header (Host is signed in every vector).
    SignableRequest header = good;
    set_header(header.headers, "Host", "attacker.example.com");
    EXPECT_EQ(sigv4_verify(header, lookup_for(id, v.secret), opts).code(), Code::kPermissionDenied);

    // Tampered path.
    SignableRequest path = good;
    path.path = "/other";
    EXPECT_EQ(sigv4_verify(path, lookup_for(id, v.secret), opts).code(), Code::kPermissionDenied);

    // Too old: one hour later for the header form, past X-Amz-Expires for the query form.
    SigV4VerifyOptions late = opts;
    late.unix_time = v.params.unix_time + (form == SigV4Form::kHeader ? 3600 : v.params.expires_s + 1);
    EXPECT_EQ(sigv4_verify(good, lookup_for(id, v.secret), late).code(), Code::kPermissionDenied);

    // Wrong region in the expected scope.
    SigV4VerifyOptions region = opts;
    region.region = "eu-west-1";
    EXPECT_EQ(sigv4_verify(good, lookup_for(id, v.secret), region).code(), Code::kPermissionDenied);
  }
}

INSTANTIATE_TEST_SUITE_P(Aws, SigV4Suite, ::testing::ValuesIn(kVectors),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(SigV4, TestDataHoldsEveryVector) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator(kDataDir)) {
    if (entry.is_directory()) found.push_back(entry.path().filename().string());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> expected = kVectors;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(found, expected);
  EXPECT_EQ(found.size(), 38u);  // the suite's v4 folder holds 38 vectors
  EXPECT_TRUE(file_exists(kDataDir + "/LICENSE.aws-c-auth"));
}

TEST(SigV4, CanonicalPath) {
  EXPECT_EQ(sigv4_canonical_path("", true, true), "/");
  EXPECT_EQ(sigv4_canonical_path("/a/b/../c/./d/", true, true), "/a/c/d/");
  EXPECT_EQ(sigv4_canonical_path("/a/b/..", true, true), "/a/");
  EXPECT_EQ(sigv4_canonical_path("/../..", true, true), "/");
  EXPECT_EQ(sigv4_canonical_path("//a//b", true, true), "/a/b");
  // Double encoding (every service but S3) encodes the '%' of an encoded path again.
  EXPECT_EQ(sigv4_canonical_path("/a%20b", false, true), "/a%2520b");
  // S3: the wire path decoded and encoded once; '+', '=' and ':' come out encoded.
  EXPECT_EQ(sigv4_canonical_path("/bucket/a%20b/c+d=e:f", false, false), "/bucket/a%20b/c%2Bd%3De%3Af");
  EXPECT_EQ(sigv4_canonical_path("/bucket/a/../b", false, false), "/bucket/a/../b");
}

TEST(SigV4, CanonicalQuery) {
  EXPECT_EQ(sigv4_canonical_query(""), "");
  EXPECT_EQ(sigv4_canonical_query("b=2&a=1&a=0"), "a=0&a=1&b=2");
  EXPECT_EQ(sigv4_canonical_query("flag&x=a%2Fb&y=c d"), "flag=&x=a%2Fb&y=c%20d");
  EXPECT_EQ(sigv4_canonical_query("a=1&X-Amz-Signature=abc"), "a=1");
}

TEST(SigV4, AmzDate) {
  EXPECT_EQ(amz_date(1440938160), "20150830T123600Z");
  EXPECT_EQ(*parse_amz_date("20150830T123600Z"), 1440938160);
  EXPECT_EQ(parse_amz_date("2015-08-30").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(parse_amz_date("20151330T123600Z").status().code(), Code::kInvalidArgument);
}

TEST(SigV4, HashesAndSigningKey) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 4231 test case 2.
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // The signing key of the AWS documentation example (iam, 20150830, us-east-1).
  EXPECT_EQ(hex(sigv4_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

TEST(SigV4, SignRejectsIncompleteInput) {
  SignableRequest r{"GET", "/", "", {{"Host", "h"}}, ""};
  SigV4Params p;
  p.service = "s3";
  EXPECT_EQ(sigv4_sign(r, p).status().code(), Code::kInvalidArgument);  // no credentials
  p.credentials = {"AKID", "SECRET", ""};
  SignableRequest no_host{"GET", "/", "", {}, ""};
  EXPECT_EQ(sigv4_sign(no_host, p).status().code(), Code::kInvalidArgument);
  p.service = "";
  EXPECT_EQ(sigv4_sign(r, p).status().code(), Code::kInvalidArgument);
}

TEST(SigV4, VerifierRejectsUnsignedAndMalformedRequests) {
  const SecretLookup lookup = lookup_for("AKID", "SECRET");
  SignableRequest r{"GET", "/", "", {{"Host", "h"}}, ""};
  EXPECT_EQ(sigv4_verify(r, lookup, {}).code(), Code::kPermissionDenied);
  r.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/s3");
  EXPECT_EQ(sigv4_verify(r, lookup, {}).code(), Code::kInvalidArgument);
  set_header(r.headers, "Authorization", "Basic dXNlcjpwYXNz");
  EXPECT_EQ(sigv4_verify(r, lookup, {}).code(), Code::kInvalidArgument);
}

TEST(SigV4, S3StyleRoundTripWithBodyHash) {
  SigV4Params p = SigV4Params::for_s3({"S3RVER", "S3RVER", ""}, "us-east-1");
  p.unix_time = 1700000000;
  SignableRequest r{"PUT", "/bucket/run/1/a%20b%2Bc", "", {{"Host", "127.0.0.1:4569"}}, std::string("x\0y", 3)};
  auto sig = sigv4_sign(r, p);
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(find_header(r.headers, "x-amz-content-sha256"), sha256_hex(std::string("x\0y", 3)));
  EXPECT_NE(sig->signed_headers.find("x-amz-content-sha256"), std::string::npos);
  SigV4VerifyOptions o;
  o.service = "s3";
  o.unix_time = p.unix_time + 10;
  o.normalize_path = false;
  o.double_encode_path = false;
  EXPECT_TRUE(sigv4_verify(r, lookup_for("S3RVER", "S3RVER"), o).ok());
  SignableRequest tampered = r;
  tampered.body = "xy";
  const Status s = sigv4_verify(tampered, lookup_for("S3RVER", "S3RVER"), o);
  EXPECT_EQ(s.code(), Code::kPermissionDenied);
  EXPECT_NE(s.message().find("x-amz-content-sha256"), std::string::npos);
  // Skew beyond 15 minutes.
  o.unix_time = p.unix_time + 901;
  EXPECT_EQ(sigv4_verify(r, lookup_for("S3RVER", "S3RVER"), o).code(), Code::kPermissionDenied);
}

// Expected values computed by botocore 1.43 (S3SigV4Auth) for the same requests: keys with
// characters S3 encodes, and a ListObjectsV2 query with '/', '+' and '='.
TEST(SigV4, S3SigningMatchesBotocore) {
  SigV4Params p = SigV4Params::for_s3({"AKIDS3", "s3-secret/with+chars", ""}, "us-east-1");
  p.unix_time = 1700000000;  // 20231114T221320Z
  HttpRequest put{"PUT",
                  "http://127.0.0.1:4569/bucket/" + uri_encode("run 1/odd/sp ace+plus=eq%pct&amp:colon!*'()", false),
                  {{"Content-Type", "application/octet-stream"}},
                  "hello"};
  ASSERT_TRUE(sign(put, p).ok());
  EXPECT_EQ(put.url,
            "http://127.0.0.1:4569/bucket/run%201/odd/sp%20ace%2Bplus%3Deq%25pct%26amp%3Acolon%21%2A%27%28%29");
  EXPECT_EQ(put.header("Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDS3/20231114/us-east-1/s3/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, "
            "Signature=afea33c5fe0ee962174137ebb30a3e87320c366e569b11271b69eb7af45e0b96");

  HttpRequest list{"GET",
                   "http://127.0.0.1:4569/bucket?" + build_query({{"list-type", "2"},
                                                                  {"max-keys", "3"},
                                                                  {"prefix", "run 1/a+b"},
                                                                  {"continuation-token", "1Ab/+=="}}),
                   {},
                   ""};
  ASSERT_TRUE(sign(list, p).ok());
  EXPECT_EQ(list.header("Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDS3/20231114/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
            "Signature=ad1274a8cdb550a0fafadc51d84b6c08f18e9807d1dd9736d702ea9b01bb47da");
}

TEST(SigV4, CredentialsFromEnv) {
  ::setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
  ::setenv("AWS_SESSION_TOKEN", "tok", 1);
  auto c = AwsCredentials::from_env();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "AKIDENV");
  EXPECT_EQ(c->secret_access_key, "secretenv");
  EXPECT_EQ(c->session_token, "tok");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  auto missing = AwsCredentials::from_env();
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_NE(missing.status().message().find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SESSION_TOKEN");
}

}  // namespace
}  // namespace faasdl::net
