#include "net/http.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "net/sigv4.h"

namespace faasdl::net {
namespace {

// An httplib::Server on a free loopback port, stopped and joined on destruction.
class LocalServer {
 public:
  LocalServer() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 200 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~LocalServer() {
    server_.stop();
    thread_.join();
  }
  httplib::Server& server() { return server_; }
  std::string url(const std::string& target) const { return "http://127.0.0.1:" + std::to_string(port_) + target; }
  int port() const { return port_; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// A socket that listens but never accepts or answers: connects succeed, replies never come.
class Blackhole {
 public:
  Blackhole() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~Blackhole() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A loopback port with nothing listening on it.
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST(Url, Parses) {
  auto u = parse_url("http://127.0.0.1:4569/bucket/a%20b?list-type=2&prefix=x#frag");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 4569);
  EXPECT_EQ(u->path, "/bucket/a%20b");
  EXPECT_EQ(u->query, "list-type=2&prefix=x");
  EXPECT_EQ(u->host_header(), "127.0.0.1:4569");
  EXPECT_EQ(u->target(), "/bucket/a%20b?list-type=2&prefix=x");

  auto s = parse_url("HTTPS://lambda.us-east-1.amazonaws.com");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->scheme, "https");
  EXPECT_EQ(s->port, 443);
  EXPECT_EQ(s->path, "/");
  EXPECT_EQ(s->host_header(), "lambda.us-east-1.amazonaws.com");

  auto v6 = parse_url("http://[::1]:8080/x");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->host_header(), "[::1]:8080");

  auto userinfo = parse_url("http://user:pw@host/p?q");
  ASSERT_TRUE(userinfo.ok());
  EXPECT_EQ(userinfo->host, "host");
  EXPECT_EQ(userinfo->query, "q");

  for (const char* bad : {"127.0.0.1:80/x", "ftp://host/x", "http:///x", "http://host:99999/", "http://host:8a/",
                          "http://[::1/x"}) {
    EXPECT_EQ(parse_url(bad).status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(UriEncoding, FollowsSigV4Rules) {
  EXPECT_EQ(uri_encode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(uri_encode("a b+c/d=e"), "a%20b%2Bc%2Fd%3De");
  EXPECT_EQ(uri_encode("a b/c", false), "a%20b/c");
  EXPECT_EQ(uri_encode("\xE1\x88\xB4"), "%E1%88%B4");
  EXPECT_EQ(uri_encode(std::string("\0", 1)), "%00");
  EXPECT_EQ(uri_decode("a%20b%2Bc%2fd"), "a b+c/d");
  EXPECT_EQ(uri_decode("a+b"), "a+b");
  EXPECT_EQ(uri_decode("a+b", true), "a b");
  EXPECT_EQ(uri_decode("100%"), "100%");
  EXPECT_EQ(uri_decode("%zz%4"), "%zz%4");
  const std::string all = [] {
    std::string s;
    for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
    return s;
  }();
  EXPECT_EQ(uri_decode(uri_encode(all)), all);
}

TEST(UriEncoding, ParsesQueries) {
  auto q = parse_query("a=1&b&c=x%20y&&d=");
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"a", "1"}));
  EXPECT_EQ(q[1], (std::pair<std::string, std::string>{"b", ""}));
  EXPECT_EQ(q[2], (std::pair<std::string, std::string>{"c", "x y"}));
  EXPECT_EQ(q[3], (std::pair<std::string, std::string>{"d", ""}));
  EXPECT_TRUE(parse_query("").empty());
  EXPECT_EQ(build_query({{"prefix", "a/b c"}, {"list-type", "2"}, {"flag", ""}}), "prefix=a%2Fb%20c&list-type=2&flag=");
  EXPECT_EQ(parse_query(build_query({{"k&=", "v%+"}})), (std::vector<std::pair<std::string, std::string>>{{"k&=", "v%+"}}));
}

TEST(HttpStatus, MapsToCodes) {
  EXPECT_EQ(code_from_http(200), Code::kOk);
  EXPECT_EQ(code_from_http(204), Code::kOk);
  EXPECT_EQ(code_from_http(400), Code::kInvalidArgument);
  EXPECT_EQ(code_from_http(403), Code::kPermissionDenied);
  EXPECT_EQ(code_from_http(404), Code::kNotFound);
  EXPECT_EQ(code_from_http(413), Code::kResourceExhausted);
  EXPECT_EQ(code_from_http(429), Code::kUnavailable);
  EXPECT_EQ(code_from_http(500), Code::kUnavailable);
  EXPECT_EQ(code_from_http(503), Code::kUnavailable);
  EXPECT_EQ(code_from_http(504), Code::kDeadlineExceeded);
  HttpResponse r{503, {}, "Slow\nDown"};
  const Status s = status_from_http(r, "GET x");
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_EQ(s.message(), "GET x: HTTP 503: Slow Down");
  EXPECT_TRUE(status_from_http(HttpResponse{200, {}, ""}, "x").ok());
}

TEST(HeaderLookup, IsCaseInsensitive) {
  Headers h{{"Content-Type", "a"}, {"X-Amz-Date", "b"}};
  EXPECT_EQ(find_header(h, "content-type"), "a");
  EXPECT_EQ(find_header(h, "X-AMZ-DATE"), "b");
  EXPECT_EQ(find_header(h, "missing"), "");
  set_header(h, "x-amz-date", "c");
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(find_header(h, "X-Amz-Date"), "c");
}

TEST(Retry, BackoffGrowsAndCaps) {
  RetryPolicy p;
  p.initial_backoff_ms = 10;
  p.multiplier = 2;
  p.max_backoff_ms = 50;
  EXPECT_EQ(retry_backoff_ms(p, 1), 10);
  EXPECT_EQ(retry_backoff_ms(p, 2), 20);
  EXPECT_EQ(retry_backoff_ms(p, 3), 40);
  EXPECT_EQ(retry_backoff_ms(p, 4), 50);
  EXPECT_EQ(retry_backoff_ms(p, 40), 50);
}

TEST(Retry, RetriesOnlyRetryableFailures) {
  RetryPolicy p;
  p.max_attempts = 5;
  p.initial_backoff_ms = 1;
  int calls = 0;
  Status s = with_retries(p, [&] {
    ++calls;
    return calls < 3 ? Status(Code::kUnavailable, "flaky") : Status();
  });
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(calls, 3);

  calls = 0;
  s = with_retries(p, [&] {
    ++calls;
    return Status(Code::kNotFound, "gone");
  });
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(calls, 1);

  calls = 0;
  Result<int> r = with_retries(p, [&]() -> Result<int> {
    ++calls;
    return Status(Code::kUnavailable, "down");
  });
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_EQ(calls, 5);

  calls = 0;
  r = with_retries(p, [&]() -> Result<int> {
    ++calls;
    if (calls == 1) return Status(Code::kResourceExhausted, "throttled");
    return 7;
  });
  EXPECT_EQ(*r, 7);
}

TEST(Retry, StopsWhenThePauseWouldPassTheDeadline) {
  RetryPolicy p;
  p.max_attempts = 100;
  p.initial_backoff_ms = 100;
  p.jitter = 0;
  int calls = 0;
  Stopwatch sw;
  Status s = with_retries(p, Deadline::after_ms(250), [&] {
    ++calls;
    return Status(Code::kUnavailable, "down");
  });
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_EQ(calls, 2);  // pauses 100 then 200 ms; the second would end past 250 ms
  EXPECT_LT(sw.ms(), 250);
}

TEST(HttpSend, RoundTripsBinaryBodiesAndHeaders) {
  LocalServer srv;
  std::string seen_target;
  srv.server().Post("/echo", [&](const httplib::Request& req, httplib::Response& res) {
    seen_target = req.target;
    res.set_header("X-Echo-Host", req.get_header_value("Host"));
    res.set_header("X-Echo-Custom", req.get_header_value("X-Custom"));
    res.set_content(req.body, "application/octet-stream");
  });
  std::string body(1 << 20, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>((i * 131) & 0xff);
  HttpRequest req{"POST", srv.url("/echo?a=1&b=x%20y"), {{"X-Custom", "v"}, {"Host", "example.test:9"}}, body};
  auto res = http_send(req, Deadline::after_ms(5000));
  ASSERT_TRUE(res.ok()) << res.status().to_string();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, body);
  EXPECT_EQ(seen_target, "/echo?a=1&b=x%20y");  // sent byte for byte
  EXPECT_EQ(res->header("X-ECHO-HOST"), "example.test:9");
  EXPECT_EQ(res->header("x-echo-custom"), "v");
  EXPECT_EQ(res->header("content-type"), "application/octet-stream");
}

TEST(HttpSend, ReturnsErrorStatusesAsResponses) {
  LocalServer srv;
  srv.server().Get("/missing", [](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_content("no such thing", "text/plain");
  });
  auto res = http_send({"GET", srv.url("/missing"), {}, ""}, Deadline::after_ms(5000));
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(status_from_http(*res, "GET /missing").code(), Code::kNotFound);
}

TEST(HttpSend, RefusedConnectionIsUnavailableAndQuick) {
  Stopwatch sw;
  auto res = http_send({"GET", "http://127.0.0.1:" + std::to_string(closed_port()) + "/", {}, ""},
                       Deadline::after_ms(5000));
  EXPECT_EQ(res.status().code(), Code::kUnavailable) << res.status().to_string();
  EXPECT_TRUE(res.status().retryable());
  EXPECT_LT(sw.ms(), 1000);
}

TEST(HttpSend, SilentServerHitsTheDeadline) {
  Blackhole hole;
  Stopwatch sw;
  auto res = http_send({"GET", "http://127.0.0.1:" + std::to_string(hole.port()) + "/", {}, ""},
                       Deadline::after_ms(300));
  EXPECT_EQ(res.status().code(), Code::kDeadlineExceeded) << res.status().to_string();
  EXPECT_GE(sw.ms(), 250);
  EXPECT_LT(sw.ms(), 1500);
}

TEST(HttpSend, SlowHandlerHitsTheDeadline) {
  LocalServer srv;
  std::atomic<bool> release{false};
  srv.server().Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
    for (int i = 0; i < 300 && !release; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    res.set_content("late", "text/plain");
  });
  Stopwatch sw;
  auto res = http_send({"GET", srv.url("/slow"), {}, ""}, Deadline::after_ms(300));
  EXPECT_EQ(res.status().code(), Code::kDeadlineExceeded) << res.status().to_string();
  EXPECT_LT(sw.ms(), 1500);
  release = true;
}

TEST(HttpSend, RejectsBadInput) {
  EXPECT_EQ(http_send({"GET", "nonsense", {}, ""}, Deadline::after_ms(100)).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(http_send({"GET", "http://127.0.0.1:1/", {}, ""}, Deadline::after_ms(0)).status().code(),
            Code::kDeadlineExceeded);
}

// A server that checks SigV4 on every request, as the local platform does.
TEST(HttpSend, SignedRequestsVerifyOnTheServer) {
  LocalServer srv;
  const SecretLookup lookup = [](const std::string& id) -> Result<std::string> {
    if (id == "AKIDLOCAL") return std::string("local-secret");
    return Status(Code::kPermissionDenied, "unknown key");
  };
  auto handler = [&](const httplib::Request& req, httplib::Response& res) {
    SignableRequest s;
    s.method = req.method;
    const size_t q = req.target.find('?');
    s.path = req.target.substr(0, q);
    if (q != std::string::npos) s.query = req.target.substr(q + 1);
    for (const auto& [k, v] : req.headers) s.headers.emplace_back(k, v);
    s.body = req.body;
    SigV4VerifyOptions o;
    o.service = "lambda";
    const Status st = sigv4_verify(s, lookup, o);
    res.status = st.ok() ? 200 : 403;
    res.set_content(st.ok() ? "ok" : st.message(), "text/plain");
  };
  srv.server().Post(R"(/2015-03-31/functions/.*/invocations)", handler);
  srv.server().Get(R"(/2015-03-31/functions/.*/invocations)", handler);

  SigV4Params p;
  p.credentials = {"AKIDLOCAL", "local-secret", "session-token"};
  p.service = "lambda";
  HttpRequest req{"POST", srv.url("/2015-03-31/functions/train%3Aprod/invocations?Qualifier=1"), {}, R"({"k":1})"};
  req.set_header("Content-Type", "application/json");
  ASSERT_TRUE(sign(req, p).ok());
  EXPECT_FALSE(req.header("Authorization").empty());
  EXPECT_EQ(req.header("X-Amz-Security-Token"), "session-token");
  auto res = http_send(req, Deadline::after_ms(5000));
  ASSERT_TRUE(res.ok()) << res.status().to_string();
  EXPECT_EQ(res->status, 200) << res->body;

  HttpRequest tampered = req;
  tampered.body = R"({"k":2})";
  res = http_send(tampered, Deadline::after_ms(5000));
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 403);
  EXPECT_NE(res->body.find("does not match"), std::string::npos) << res->body;

  SigV4Params wrong = p;
  wrong.credentials.secret_access_key = "guess";
  HttpRequest forged{"POST", srv.url("/2015-03-31/functions/f/invocations"), {}, "{}"};
  ASSERT_TRUE(sign(forged, wrong).ok());
  res = http_send(forged, Deadline::after_ms(5000));
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 403);

  auto url = presign_url({"GET", srv.url("/2015-03-31/functions/f/invocations"), {}, ""}, p);
  ASSERT_TRUE(url.ok());
  EXPECT_NE(url->find("X-Amz-Signature="), std::string::npos);
  res = http_send({"GET", *url, {}, ""}, Deadline::after_ms(5000));
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 200) << res->body;
}

}  // namespace
}  // namespace faasdl::net
