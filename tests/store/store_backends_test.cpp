// Behaviour particular to one implementation: dir atomicity, mem sharing, redis AUTH and
// reconnects, S3 errors, and deadlines against dead or silent servers.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/servers.h"
#include "store/store.h"

namespace faasdl {
namespace {

namespace fs = std::filesystem;
using testing::Blackhole;
using testing::S3Server;

class TempDir {
 public:
  TempDir() : path_(testing::make_temp_dir("store")) {}
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::vector<std::string> files_under(const std::string& root) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) out.push_back(e.path().lexically_relative(root).generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

StoreOptions no_retry() {
  StoreOptions o;
  o.retry.max_attempts = 1;
  return o;
}

Deadline soon() { return Deadline::after_ms(10000); }

// ---- open_store ----

TEST(OpenStore, RejectsBadUris) {
  EXPECT_THROW(open_store("ftp://x"), Error);
  EXPECT_THROW(open_store("dir:"), Error);
  EXPECT_THROW(open_store("redis://"), Error);
  EXPECT_THROW(open_store("redis://host:notaport/0"), Error);
  EXPECT_THROW(open_store("redis://host:6379/x"), Error);
  EXPECT_THROW(open_store("s3://"), Error);
  EXPECT_THROW(open_store("s3://Bad_Bucket!/p"), Error);
  StoreOptions bad;
  bad.default_timeout_ms = 0;
  EXPECT_THROW(open_store("mem:", bad), Error);
}

TEST(OpenStore, RedisTlsIsReportedAsUnavailable) {
  try {
    open_store("rediss://127.0.0.1:6380/0");
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("TLS to Redis is not available"), std::string::npos) << e.what();
  }
  StoreOptions tls;
  tls.redis_tls = true;
  EXPECT_THROW(open_store("redis://127.0.0.1:6380/0", tls), Error);
}

TEST(OpenStore, UrisHideThePassword) {
  auto s = open_store("redis://user:hunter2@127.0.0.1:6390/3/ns");
  EXPECT_EQ(s->uri(), "redis://127.0.0.1:6390/3/ns/");
  try {
    open_store("redis://:hunter2@127.0.0.1:port/0");
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
  }
  EXPECT_EQ(open_store("mem:abc")->uri(), "mem:abc");
  EXPECT_EQ(open_store("dir:/tmp/x/")->uri(), "dir:/tmp/x");
}

TEST(OpenStore, S3NeedsCredentials) {
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  try {
    open_store("s3://bucket/prefix");
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("AWS_ACCESS_KEY_ID"), std::string::npos) << e.what();
  }
  ::setenv("AWS_ACCESS_KEY_ID", "AKID", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "SECRET", 1);
  EXPECT_EQ(open_store("s3://bucket/prefix")->uri(), "s3://bucket/prefix/");
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
}

TEST(StoreKeyRules, ValidKeys) {
  for (const char* ok : {"a", "run/7/model/3", "a.b/c-d_e~f", "x/..y/z..", ".hidden/k", "sp ace"}) {
    EXPECT_TRUE(validate_key(ok).ok()) << ok;
  }
  EXPECT_TRUE(validate_prefix("").ok());
  EXPECT_TRUE(validate_prefix("run/7/").ok());
  EXPECT_TRUE(validate_prefix("run/7/wor").ok());
  EXPECT_FALSE(validate_prefix("run//").ok());
  EXPECT_FALSE(validate_prefix("run/../").ok());
}

// ---- mem ----

TEST(MemStore, NamedSpacesAreSharedAndAnonymousOnesPrivate) {
  auto a = open_store("mem:shared-space-test");
  auto b = open_store("mem:shared-space-test");
  ASSERT_TRUE(a->put("k", "v", soon()).ok());
  EXPECT_EQ(*b->get("k", soon()), "v");
  a.reset();
  auto c = open_store("mem:shared-space-test");
  EXPECT_EQ(*c->get("k", soon()), "v");  // the space outlives its Stores

  auto p1 = open_store("mem:");
  auto p2 = open_store("mem:");
  ASSERT_TRUE(p1->put("k", "v", soon()).ok());
  EXPECT_EQ(p2->get("k", soon()).status().code(), Code::kNotFound);
}

// ---- dir ----

TEST(DirStore, WritesAtomicallyAndLeavesNoTempFiles) {
  TempDir tmp;
  auto store = open_store("dir:" + tmp.path() + "/root");
  EXPECT_EQ(store->get("k", soon()).status().code(), Code::kNotFound);  // root not created yet
  EXPECT_TRUE(store->list("", soon())->empty());

  const std::string a(1 << 20, 'a');
  const std::string b(1 << 19, 'b');
  ASSERT_TRUE(store->put("model/current", a, soon()).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0}, reads{0};
  std::thread reader([&] {
    while (!stop) {
      auto got = store->get("model/current", soon());
      if (!got.ok() || !(*got == a || *got == b)) ++torn;
      ++reads;
    }
  });
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(store->put("model/current", i % 2 ? a : b, soon()).ok());
  stop = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(files_under(tmp.path() + "/root"), (std::vector<std::string>{"model/current"}));
}

TEST(DirStore, IgnoresLeftoverTempFilesAndRejectsNameClashes) {
  TempDir tmp;
  auto store = open_store("dir:" + tmp.path());
  ASSERT_TRUE(store->put("a/k", "v", soon()).ok());
  std::ofstream(tmp.path() + "/a/.faasdl.tmp.999.0") << "half a write";  // as after a crash
  EXPECT_EQ(*store->list("", soon()), (std::vector<std::string>{"a/k"}));

  // "a" is a directory of keys, "a/k" is a file: neither can become the other.
  EXPECT_EQ(store->put("a", "v", soon()).code(), Code::kInvalidArgument);
  EXPECT_EQ(store->put("a/k/deeper", "v", soon()).code(), Code::kInvalidArgument);
  EXPECT_EQ(store->get("a", soon()).status().code(), Code::kNotFound);
  EXPECT_FALSE(*store->exists("a", soon()));
  EXPECT_TRUE(store->remove("a", soon()).ok());
  EXPECT_EQ(*store->get("a/k", soon()), "v");
}

TEST(DirStore, KeysNeverEscapeTheRoot) {
  TempDir tmp;
  auto store = open_store("dir:" + tmp.path() + "/inner");
  EXPECT_EQ(store->put("../outside", "v", soon()).code(), Code::kInvalidArgument);
  EXPECT_EQ(store->put("/etc/passwd", "v", soon()).code(), Code::kInvalidArgument);
  EXPECT_FALSE(fs::exists(tmp.path() + "/outside"));
}

// ---- redis ----

testing::RedisServer* redis_or_fail() {
  std::string error;
  testing::RedisServer* r = testing::shared_redis(&error);
  if (r == nullptr) ADD_FAILURE() << error;
  return r;
}

TEST(RedisStore, RefusedPortIsQuickUnavailable) {
  auto store = open_store("redis://127.0.0.1:" + std::to_string(testing::free_port()) + "/0", no_retry());
  Stopwatch sw;
  const Status s = store->put("k", "v", Deadline::after_ms(3000));
  EXPECT_EQ(s.code(), Code::kUnavailable) << s.to_string();
  EXPECT_LT(sw.ms(), 1000);
  // With the default retries it still fails well inside the deadline.
  auto retried = open_store("redis://127.0.0.1:" + std::to_string(testing::free_port()) + "/0");
  sw.reset();
  EXPECT_EQ(retried->get("k", Deadline::after_ms(3000)).status().code(), Code::kUnavailable);
  EXPECT_LT(sw.ms(), 2000);
  EXPECT_EQ(retried->stats().retries, 3);
}

TEST(RedisStore, SilentServerHitsTheDeadline) {
  Blackhole hole;
  auto store = open_store("redis://127.0.0.1:" + std::to_string(hole.port()) + "/0");
  Stopwatch sw;
  const Status s = store->put("k", "v", Deadline::after_ms(400));
  EXPECT_EQ(s.code(), Code::kDeadlineExceeded) << s.to_string();
  EXPECT_GE(sw.ms(), 350);
  EXPECT_LT(sw.ms(), 1200);
}

TEST(RedisStore, StoppedServerHitsTheDeadlineThenRecovers) {
  testing::RedisServer* redis = redis_or_fail();
  ASSERT_NE(redis, nullptr);
  auto store = open_store(redis->uri("/stopped"));
  ASSERT_TRUE(store->put("k", "before", soon()).ok());
  redis->process().pause();
  Stopwatch sw;
  auto got = store->get("k", Deadline::after_ms(400));
  const double ms = sw.ms();
  redis->process().resume();
  EXPECT_EQ(got.status().code(), Code::kDeadlineExceeded) << got.status().to_string();
  EXPECT_LT(ms, 1200);
  auto again = store->get("k", soon());  // a fresh connection after the timed-out one
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(*again, "before");
}

TEST(RedisStore, ReconnectsAfterServerRestart) {
  std::string error;
  auto redis = testing::RedisServer::start("", &error);  // own server: this test restarts it
  ASSERT_TRUE(redis) << error;
  auto store = open_store(redis->uri());
  // Fill the pool with several idle connections.
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { EXPECT_TRUE(store->put("k" + std::to_string(i), "v", soon()).ok()); });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(redis->restart());  // no persistence: the data is gone, the connections too
  EXPECT_EQ(store->get("k0", soon()).status().code(), Code::kNotFound);
  ASSERT_TRUE(store->put("k0", "after", soon()).ok());
  EXPECT_EQ(*store->get("k0", soon()), "after");
}

TEST(RedisStore, AuthAndDatabases) {
  std::string error;
  testing::RedisServer* redis = testing::shared_redis_with_password(&error);
  ASSERT_NE(redis, nullptr) << error;
  const std::string base = "127.0.0.1:" + std::to_string(redis->port());

  auto no_password = open_store("redis://" + base + "/0");
  const Status denied = no_password->put("k", "v", soon());
  EXPECT_EQ(denied.code(), Code::kPermissionDenied) << denied.to_string();
  EXPECT_EQ(no_password->stats().retries, 0);

  auto wrong = open_store("redis://:wrong@" + base + "/0");
  EXPECT_EQ(wrong->put("k", "v", soon()).code(), Code::kPermissionDenied);

  // "user:password" sends AUTH user password (Redis 6 ACL); "default" is the implicit user.
  auto db0 = open_store("redis://default:" + std::string(testing::kRedisPassword) + "@" + base + "/0");
  auto db1 = open_store("redis://:" + std::string(testing::kRedisPassword) + "@" + base + "/1");
  ASSERT_TRUE(db0->put("same", "zero", soon()).ok());
  ASSERT_TRUE(db1->put("same", "one", soon()).ok());
  EXPECT_EQ(*db0->get("same", soon()), "zero");
  EXPECT_EQ(*db1->get("same", soon()), "one");

  auto bad_db = open_store("redis://:" + std::string(testing::kRedisPassword) + "@" + base + "/99");
  EXPECT_EQ(bad_db->put("k", "v", soon()).code(), Code::kInvalidArgument);
}

TEST(RedisStore, GlobCharactersInPrefixesAreLiteral) {
  testing::RedisServer* redis = redis_or_fail();
  ASSERT_NE(redis, nullptr);
  auto store = open_store(redis->uri("/glob"));
  ASSERT_TRUE(store->put("a*/1", "x", soon()).ok());
  ASSERT_TRUE(store->put("ab/2", "x", soon()).ok());
  ASSERT_TRUE(store->put("a?[x]/3", "x", soon()).ok());
  EXPECT_EQ(*store->list("a*", soon()), (std::vector<std::string>{"a*/1"}));
  EXPECT_EQ(*store->list("a?[", soon()), (std::vector<std::string>{"a?[x]/3"}));
}

// ---- s3 ----

S3Server* s3_or_fail() {
  std::string error;
  S3Server* s = testing::shared_s3(&error);
  if (s == nullptr) ADD_FAILURE() << error;
  return s;
}

StoreOptions s3_options(const std::string& endpoint, StoreOptions o = {}) {
  o.s3_endpoint = endpoint;
  o.s3_credentials = {"S3RVER", "S3RVER", ""};
  return o;
}

TEST(S3Store, RefusedEndpointIsQuickUnavailable) {
  auto store = open_store("s3://bucket/p", s3_options("http://127.0.0.1:" + std::to_string(testing::free_port()),
                                                      no_retry()));
  Stopwatch sw;
  const Status s = store->put("k", "v", Deadline::after_ms(3000));
  EXPECT_EQ(s.code(), Code::kUnavailable) << s.to_string();
  EXPECT_LT(sw.ms(), 1000);
}

TEST(S3Store, SilentEndpointHitsTheDeadline) {
  Blackhole hole;
  auto store = open_store("s3://bucket/p", s3_options("http://127.0.0.1:" + std::to_string(hole.port())));
  Stopwatch sw;
  auto got = store->get("k", Deadline::after_ms(400));
  EXPECT_EQ(got.status().code(), Code::kDeadlineExceeded) << got.status().to_string();
  EXPECT_GE(sw.ms(), 350);
  EXPECT_LT(sw.ms(), 1200);
}

TEST(S3Store, StoppedServerHitsTheDeadline) {
  S3Server* s3 = s3_or_fail();
  ASSERT_NE(s3, nullptr);
  auto store = open_store(std::string("s3://") + S3Server::kBucket + "/stopped", s3_options(s3->endpoint()));
  ASSERT_TRUE(store->put("k", "v", soon()).ok());
  s3->process().pause();
  Stopwatch sw;
  const Status s = store->put("k", "w", Deadline::after_ms(400));
  const double ms = sw.ms();
  s3->process().resume();
  EXPECT_EQ(s.code(), Code::kDeadlineExceeded) << s.to_string();
  EXPECT_LT(ms, 1200);
  EXPECT_TRUE(store->get("k", soon()).ok());
}

// s3rver checks the access key id but not SigV4 signatures (see SignsEveryRequestAsS3Expects).
TEST(S3Store, UnknownAccessKeyIsPermissionDenied) {
  S3Server* s3 = s3_or_fail();
  ASSERT_NE(s3, nullptr);
  StoreOptions o = s3_options(s3->endpoint());
  o.s3_credentials.access_key_id = "AKIDUNKNOWN";
  auto store = open_store(std::string("s3://") + S3Server::kBucket + "/denied", o);
  const Status s = store->put("k", "v", soon());
  EXPECT_EQ(s.code(), Code::kPermissionDenied) << s.to_string();
  EXPECT_NE(s.message().find("InvalidAccessKeyId"), std::string::npos) << s.message();
  EXPECT_EQ(store->stats().retries, 0);
}

TEST(S3Store, MissingBucketIsNotFound) {
  S3Server* s3 = s3_or_fail();
  ASSERT_NE(s3, nullptr);
  auto store = open_store("s3://no-such-bucket/p", s3_options(s3->endpoint()));
  const Status put = store->put("k", "v", soon());
  EXPECT_EQ(put.code(), Code::kNotFound) << put.to_string();
  EXPECT_NE(put.message().find("no-such-bucket"), std::string::npos);
  EXPECT_EQ(store->list("", soon()).status().code(), Code::kNotFound);
}

TEST(S3Store, WholeBucketWithoutPrefix) {
  S3Server* s3 = s3_or_fail();
  ASSERT_NE(s3, nullptr);
  auto store = open_store(std::string("s3://") + S3Server::kBucket, s3_options(s3->endpoint()));
  EXPECT_EQ(store->uri(), std::string("s3://") + S3Server::kBucket);
  const std::string key = "top-level-" + std::to_string(::getpid());
  ASSERT_TRUE(store->put(key, "v", soon()).ok());
  auto listed = store->list(key, soon());
  ASSERT_TRUE(listed.ok()) << listed.status().to_string();
  EXPECT_EQ(*listed, (std::vector<std::string>{key}));
  EXPECT_TRUE(store->remove(key, soon()).ok());
}

}  // namespace
}  // namespace faasdl
