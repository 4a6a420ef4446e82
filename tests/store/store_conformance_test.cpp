// One conformance suite, run over every Store implementation: mem:, dir:, redis (with and
// without AUTH, against a real redis-server) and s3 (against s3rver).
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "core/rng.h"
#include "support/servers.h"
#include "store/store.h"

namespace faasdl {
namespace {

using testing::S3Server;

// A namespace per test, so tests never see each other's keys on a shared server.
std::string test_namespace() {
  static std::atomic<int> counter{0};
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "." + info->name();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') c = '_';
  }
  return name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

class StoreConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void TearDown() override {
    if (!temp_dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(temp_dir_, ec);
    }
  }

  // Opens the backend under test in a fresh namespace; fails the test (never skips) when its
  // server cannot be started.
  std::unique_ptr<Store> open(StoreOptions options = {}) {
    const std::string ns = test_namespace();
    const std::string& kind = GetParam();
    std::string error;
    if (kind == "mem") return open_store("mem:" + ns, options);
    if (kind == "dir") {
      if (temp_dir_.empty()) temp_dir_ = testing::make_temp_dir("dirstore");
      return open_store("dir:" + temp_dir_ + "/" + ns, options);
    }
    if (kind == "redis" || kind == "redis_auth") {
      testing::RedisServer* server =
          kind == "redis" ? testing::shared_redis(&error) : testing::shared_redis_with_password(&error);
      if (server == nullptr) {
        ADD_FAILURE() << error;
        return nullptr;
      }
      return open_store(server->uri("/" + ns), options);
    }
    if (kind == "s3") {
      S3Server* server = testing::shared_s3(&error);
      if (server == nullptr) {
        ADD_FAILURE() << error;
        return nullptr;
      }
      options.s3_endpoint = server->endpoint();
      options.s3_credentials = {"S3RVER", "S3RVER", ""};
      return open_store(std::string("s3://") + S3Server::kBucket + "/" + ns, options);
    }
    ADD_FAILURE() << "unknown backend " << kind;
    return nullptr;
  }

  std::string temp_dir_;
};

std::string random_bytes(size_t n, uint64_t seed) {
  Rng rng(seed);
  std::string out(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    const uint64_t v = rng.next_u64();
    for (size_t j = 0; j < 8 && i + j < n; ++j) out[i + j] = static_cast<char>((v >> (8 * j)) & 0xff);
  }
  return out;
}

Deadline soon() { return Deadline::after_ms(10000); }

TEST_P(StoreConformance, PutGetRoundTrip) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->put("run/1/model/0", "weights-v0", soon()).ok());
  auto got = store->get("run/1/model/0", soon());
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  EXPECT_EQ(*got, "weights-v0");
  EXPECT_TRUE(*store->exists("run/1/model/0", soon()));
  // The overloads without a Deadline use StoreOptions::default_timeout_ms.
  ASSERT_TRUE(store->put("empty", "").ok());
  EXPECT_EQ(*store->get("empty"), "");
  EXPECT_TRUE(*store->exists("empty"));
}

TEST_P(StoreConformance, BinaryAndLargeBlobs) {
  auto store = open();
  ASSERT_TRUE(store);
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<char>(i));
  all_bytes += std::string(1000, '\0') + all_bytes;
  ASSERT_TRUE(store->put("bin", all_bytes, soon()).ok());
  EXPECT_EQ(*store->get("bin", soon()), all_bytes);

  const std::string big = random_bytes(10 * 1024 * 1024, 42);
  const Status put = store->put("big/blob", big, Deadline::after_ms(30000));
  ASSERT_TRUE(put.ok()) << put.to_string();
  auto got = store->get("big/blob", Deadline::after_ms(30000));
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  EXPECT_EQ(got->size(), big.size());
  EXPECT_TRUE(*got == big);

  const StoreStats st = store->stats();
  EXPECT_EQ(st.bytes_written, static_cast<int64_t>(all_bytes.size() + big.size()));
  EXPECT_EQ(st.bytes_read, static_cast<int64_t>(all_bytes.size() + big.size()));
  EXPECT_EQ(st.puts, 2);
  EXPECT_EQ(st.gets, 2);
  EXPECT_EQ(st.calls, 4);
  EXPECT_EQ(st.errors, 0);
  EXPECT_GT(st.total_ms, 0.0);
}

TEST_P(StoreConformance, MissingKeyIsNotFound) {
  auto store = open();
  ASSERT_TRUE(store);
  auto got = store->get("no/such/key", soon());
  EXPECT_EQ(got.status().code(), Code::kNotFound) << got.status().to_string();
  EXPECT_NE(got.status().message().find("no/such/key"), std::string::npos);
  EXPECT_FALSE(*store->exists("no/such/key", soon()));
  EXPECT_TRUE(store->remove("no/such/key", soon()).ok());  // idempotent
  EXPECT_EQ(store->stats().errors, 1);
  EXPECT_EQ(store->stats().retries, 0);  // kNotFound is final
}

TEST_P(StoreConformance, OverwriteIsIdempotent) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->put("k", "first", soon()).ok());
  ASSERT_TRUE(store->put("k", "second, longer value", soon()).ok());
  EXPECT_EQ(*store->get("k", soon()), "second, longer value");
  ASSERT_TRUE(store->put("k", "v", soon()).ok());
  ASSERT_TRUE(store->put("k", "v", soon()).ok());
  EXPECT_EQ(*store->get("k", soon()), "v");
  EXPECT_EQ(store->list("", soon())->size(), 1u);
}

TEST_P(StoreConformance, ListByPrefix) {
  auto store = open();
  ASSERT_TRUE(store);
  const std::vector<std::string> keys = {"a/1", "a/2", "a/b/3", "ab/4", "b/5", "odd/sp ace+plus=eq%pct&amp:colon",
                                         "odd/\xD0\xBA\xD0\xBB\xD1\x8E\xD1\x87"};
  for (const auto& k : keys) ASSERT_TRUE(store->put(k, "v:" + k, soon()).ok()) << k;
  EXPECT_EQ(*store->list("a/", soon()), (std::vector<std::string>{"a/1", "a/2", "a/b/3"}));
  EXPECT_EQ(*store->list("a", soon()), (std::vector<std::string>{"a/1", "a/2", "a/b/3", "ab/4"}));
  EXPECT_EQ(*store->list("a/b", soon()), (std::vector<std::string>{"a/b/3"}));
  EXPECT_EQ(*store->list("odd/", soon()),
            (std::vector<std::string>{"odd/sp ace+plus=eq%pct&amp:colon", "odd/\xD0\xBA\xD0\xBB\xD1\x8E\xD1\x87"}));
  EXPECT_TRUE(store->list("zzz", soon())->empty());
  EXPECT_TRUE(store->list("zzz/", soon())->empty());
  auto all = store->list("", soon());
  ASSERT_TRUE(all.ok()) << all.status().to_string();
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(*all, sorted);
  for (const auto& k : keys) EXPECT_EQ(*store->get(k, soon()), "v:" + k) << k;
}

TEST_P(StoreConformance, ListManyKeys) {
  StoreOptions options;
  options.s3_max_keys = 3;  // several ListObjectsV2 pages on s3
  auto store = open(options);
  ASSERT_TRUE(store);
  std::vector<std::string> expected;
  for (int i = 0; i < 25; ++i) {
    const std::string k = "shard/" + std::to_string(1000 + i);
    ASSERT_TRUE(store->put(k, std::to_string(i), soon()).ok());
    expected.push_back(k);
  }
  ASSERT_TRUE(store->put("other", "x", soon()).ok());
  auto listed = store->list("shard/", soon());
  ASSERT_TRUE(listed.ok()) << listed.status().to_string();
  EXPECT_EQ(*listed, expected);
}

TEST_P(StoreConformance, Remove) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->put("x/1", "one", soon()).ok());
  ASSERT_TRUE(store->put("x/2", "two", soon()).ok());
  ASSERT_TRUE(store->remove("x/1", soon()).ok());
  EXPECT_FALSE(*store->exists("x/1", soon()));
  EXPECT_EQ(store->get("x/1", soon()).status().code(), Code::kNotFound);
  EXPECT_EQ(*store->list("x/", soon()), (std::vector<std::string>{"x/2"}));
  ASSERT_TRUE(store->remove("x/1", soon()).ok());
}

TEST_P(StoreConformance, BadKeysAreRejected) {
  auto store = open();
  ASSERT_TRUE(store);
  for (const std::string& bad : {std::string(""), std::string("/abs"), std::string(".."), std::string("a/../b"),
                                 std::string("a//b"), std::string("./a"), std::string("a/."), std::string("a/"),
                                 std::string("nul\0byte", 8), std::string("back\\slash"), std::string(2000, 'k'),
                                 std::string("a/.faasdl.tmp.1.2")}) {
    EXPECT_EQ(store->put(bad, "v", soon()).code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(store->get(bad, soon()).status().code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(store->exists(bad, soon()).status().code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(store->remove(bad, soon()).code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_EQ(store->list("../", soon()).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(store->list("/abs", soon()).status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(store->list("a/", soon()).ok());
  EXPECT_EQ(store->stats().retries, 0);
}

TEST_P(StoreConformance, ExpiredDeadlineFailsFast) {
  auto store = open();
  ASSERT_TRUE(store);
  const Deadline past = Deadline::after_ms(0);
  Stopwatch sw;
  EXPECT_EQ(store->put("k", "v", past).code(), Code::kDeadlineExceeded);
  EXPECT_EQ(store->get("k", past).status().code(), Code::kDeadlineExceeded);
  EXPECT_EQ(store->list("", past).status().code(), Code::kDeadlineExceeded);
  EXPECT_LT(sw.ms(), 500);
}

TEST_P(StoreConformance, RetriesThroughInjectedFaults) {
  StoreOptions options;
  options.retry.initial_backoff_ms = 1;
  options.faults.fail_nth_call = 1;
  options.faults.fail_count = 2;  // tries 1 and 2 fail, try 3 succeeds
  auto store = open(options);
  ASSERT_TRUE(store);
  const Status s = store->put("r/1", "payload", soon());
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(store->stats().retries, 2);
  EXPECT_EQ(*store->get("r/1", soon()), "payload");

  // Each key under a prefix fails once: every call needs exactly one retry.
  StoreOptions per_key;
  per_key.retry.initial_backoff_ms = 1;
  per_key.faults.fail_key_prefix = "flaky/";
  auto flaky = open(per_key);
  ASSERT_TRUE(flaky);
  ASSERT_TRUE(flaky->put("flaky/a", "A", soon()).ok());
  ASSERT_TRUE(flaky->put("flaky/b", "B", soon()).ok());
  ASSERT_TRUE(flaky->put("steady", "S", soon()).ok());
  EXPECT_EQ(*flaky->get("flaky/a", soon()), "A");
  EXPECT_EQ(flaky->stats().retries, 2);

  // More failures than tries: the caller sees kUnavailable after max_attempts.
  StoreOptions exhausted;
  exhausted.retry.initial_backoff_ms = 1;
  exhausted.retry.max_attempts = 3;
  exhausted.faults.fail_nth_call = 1;
  exhausted.faults.fail_count = 100;
  auto down = open(exhausted);
  ASSERT_TRUE(down);
  const Status d = down->put("r/2", "x", soon());
  EXPECT_EQ(d.code(), Code::kUnavailable);
  EXPECT_NE(d.message().find("injected fault"), std::string::npos);
  EXPECT_EQ(down->stats().retries, 2);
  EXPECT_EQ(down->stats().errors, 1);

  // with_faults on top of a store shows the failure to the caller, once.
  FaultOptions second_call;
  second_call.fail_nth_call = 2;
  auto outer = with_faults(open(), second_call);
  ASSERT_TRUE(outer->put("o", "1", soon()).ok());
  EXPECT_EQ(outer->get("o", soon()).status().code(), Code::kUnavailable);
  EXPECT_EQ(*outer->get("o", soon()), "1");
}

TEST_P(StoreConformance, ConcurrentCallers) {
  auto store = open();
  ASSERT_TRUE(store);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const std::string key = "worker/" + std::to_string(t) + "/" + std::to_string(i);
        const std::string value = random_bytes(1000 + static_cast<size_t>(t * 100 + i), t * 1000 + i);
        if (!store->put(key, value, soon()).ok()) ++failures;
        auto got = store->get(key, soon());
        if (!got.ok() || *got != value) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store->list("worker/", soon())->size(), 60u);
  EXPECT_EQ(store->stats().calls, 121);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance, ::testing::Values("mem", "dir", "redis", "redis_auth", "s3"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace faasdl
