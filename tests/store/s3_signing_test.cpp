// The S3 store against a minimal S3 endpoint that verifies the SigV4 signature of every
// request (s3rver does not check signatures), with keys that need percent-encoding.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "net/sigv4.h"
#include "store/store.h"

namespace faasdl {
namespace {

class VerifyingS3 {
 public:
  VerifyingS3() {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
    server_.Get(".*", handler);
    server_.Put(".*", handler);
    server_.Delete(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 200 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~VerifyingS3() {
    server_.stop();
    thread_.join();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::atomic<int> verified{0};
  std::atomic<int> rejected{0};
  std::string last_rejection;

 private:
  void handle(const httplib::Request& req, httplib::Response& res) {
    net::SignableRequest s;
    s.method = req.method;
    const size_t q = req.target.find('?');
    s.path = req.target.substr(0, q);
    if (q != std::string::npos) s.query = req.target.substr(q + 1);
    for (const auto& [k, v] : req.headers) s.headers.emplace_back(k, v);
    s.body = req.body;
    net::SigV4VerifyOptions o;
    o.region = "us-east-1";
    o.service = "s3";
    o.normalize_path = false;
    o.double_encode_path = false;
    const Status st = net::sigv4_verify(
        s, [](const std::string& id) -> Result<std::string> {
          if (id == "AKIDS3") return std::string("s3-secret/with+chars");
          return Status(Code::kPermissionDenied, "InvalidAccessKeyId");
        },
        o);
    std::lock_guard<std::mutex> lock(mu_);
    if (!st.ok()) {
      ++rejected;
      last_rejection = req.method + " " + req.target + ": " + st.message();
      res.status = 403;
      res.set_content("<Error><Code>SignatureDoesNotMatch</Code><Message>" + st.message() + "</Message></Error>",
                      "application/xml");
      return;
    }
    ++verified;
    const std::string bucket_prefix = "/bucket/";
    if (req.method == "GET" && (req.path == "/bucket" || req.path == "/bucket/")) {
      const std::string prefix = req.get_param_value("prefix");
      std::string xml = "<ListBucketResult><IsTruncated>false</IsTruncated>";
      for (const auto& [k, v] : objects_) {
        if (k.rfind(prefix, 0) != 0) continue;
        std::string esc;
        for (char c : k) esc += c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : std::string(1, c);
        xml += "<Contents><Key>" + esc + "</Key></Contents>";
      }
      res.set_content(xml + "</ListBucketResult>", "application/xml");
      return;
    }
    const std::string key = req.path.substr(bucket_prefix.size());  // httplib decoded the path
    if (req.method == "PUT") {
      objects_[key] = req.body;
    } else if (req.method == "GET" || req.method == "HEAD") {
      auto it = objects_.find(key);
      if (it == objects_.end()) {
        res.status = 404;
        res.set_content("<Error><Code>NoSuchKey</Code></Error>", "application/xml");
        return;
      }
      res.set_content(it->second, "application/octet-stream");
    } else if (req.method == "DELETE") {
      objects_.erase(key);
      res.status = 204;
    }
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, std::string> objects_;
};

TEST(S3Store, SignsEveryRequestAsS3Expects) {
  VerifyingS3 fake;
  StoreOptions o;
  o.s3_endpoint = fake.endpoint();
  o.s3_region = "us-east-1";
  o.s3_credentials = {"AKIDS3", "s3-secret/with+chars", ""};
  auto store = open_store("s3://bucket/run 1", o);
  const std::vector<std::string> keys = {"plain", "odd/sp ace+plus=eq%pct&amp:colon", "\xD0\xBA\xD0\xBB\xD1\x8E\xD1\x87",
                                         "x!y*z'(q)~a_b-c.d", "bin"};
  const Deadline d = Deadline::after_ms(10000);
  for (const auto& k : keys) ASSERT_TRUE(store->put(k, "v:" + k, d).ok()) << k << ": " << fake.last_rejection;
  ASSERT_TRUE(store->put("bin", std::string("\0\1\2", 3), d).ok());
  for (const auto& k : keys) {
    auto got = store->get(k, d);
    ASSERT_TRUE(got.ok()) << got.status().to_string();
    EXPECT_EQ(*got, k == "bin" ? std::string("\0\1\2", 3) : "v:" + k);
    EXPECT_TRUE(*store->exists(k, d));
  }
  auto listed = store->list("odd/", d);
  ASSERT_TRUE(listed.ok()) << listed.status().to_string();
  EXPECT_EQ(*listed, (std::vector<std::string>{"odd/sp ace+plus=eq%pct&amp:colon"}));
  EXPECT_EQ(store->list("", d)->size(), keys.size());
  ASSERT_TRUE(store->remove(keys[1], d).ok());
  EXPECT_FALSE(*store->exists(keys[1], d));
  EXPECT_EQ(store->get(keys[1], d).status().code(), Code::kNotFound);
  EXPECT_EQ(fake.rejected.load(), 0) << fake.last_rejection;
  EXPECT_GT(fake.verified.load(), 15);

  // A wrong secret is caught by the verifying endpoint and not retried.
  StoreOptions wrong = o;
  wrong.s3_credentials.secret_access_key = "guess";
  auto bad = open_store("s3://bucket/run 1", wrong);
  const Status s = bad->put("plain", "x", d);
  EXPECT_EQ(s.code(), Code::kPermissionDenied) << s.to_string();
  EXPECT_NE(s.message().find("SignatureDoesNotMatch"), std::string::npos);
  EXPECT_EQ(bad->stats().retries, 0);
}

}  // namespace
}  // namespace faasdl
