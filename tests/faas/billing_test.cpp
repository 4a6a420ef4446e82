#include <gtest/gtest.h>

#include <cstdio>

#include "core/fs.h"
#include "faas/billing.h"
#include "faas/function_config.h"
#include "faas/invoker.h"
#include "faas/sandbox.h"
#include "faas/util.h"

namespace faasdl::faas {
namespace {

TEST(FaasBilling, BilledDurationRoundsUpToTheMillisecond) {
  BillingRecord r;
  r.request_id = "id-1";
  r.function = "f";
  r.memory_size_mb = 1024;
  r.duration_ms = 2.01;
  price_record(r, Prices{});
  EXPECT_EQ(r.billed_duration_ms, 3);
  EXPECT_DOUBLE_EQ(r.gb_seconds, 0.003);
  EXPECT_NEAR(r.cost_usd, 0.003 * 0.0000166667 + 0.2e-6, 1e-15);

  r.duration_ms = 3.0;
  price_record(r, Prices{});
  EXPECT_EQ(r.billed_duration_ms, 3);
}

TEST(FaasBilling, ColdStartBillsInitAndReportsIt) {
  BillingRecord r;
  r.request_id = "abc";
  r.memory_size_mb = 128;
  r.max_memory_used_mb = 20;
  r.duration_ms = 1.5;
  r.init_duration_ms = 40.25;
  r.architecture = "arm64";
  price_record(r, Prices{});
  EXPECT_EQ(r.billed_duration_ms, 42);
  EXPECT_NEAR(r.cost_usd, 0.042 * 0.125 * 0.0000133334 + 0.2e-6, 1e-15);
  EXPECT_EQ(r.report_line(),
            "REPORT RequestId: abc\tDuration: 1.50 ms\tBilled Duration: 42 ms\tMemory Size: 128 MB\t"
            "Max Memory Used: 20 MB\tInit Duration: 40.25 ms\t");
  const BillingRecord back = BillingRecord::from_json(r.to_json(), "test");
  EXPECT_EQ(back.billed_duration_ms, 42);
  ASSERT_TRUE(back.init_duration_ms.has_value());
  EXPECT_DOUBLE_EQ(*back.init_duration_ms, 40.25);

  r.init_duration_ms.reset();
  EXPECT_EQ(r.report_line().find("Init Duration"), std::string::npos);
}

TEST(FaasBilling, PricesFileOverridesDefaults) {
  const Prices p = prices_from_json(parse_json(R"({"lambda":{"gb_second":{"arm64":0.5},"per_million_requests":1.0}})", "p"), "p");
  EXPECT_DOUBLE_EQ(p.gb_second("arm64"), 0.5);
  EXPECT_DOUBLE_EQ(p.gb_second("x86_64"), 0.0000166667);
  EXPECT_DOUBLE_EQ(p.request, 1e-6);
  EXPECT_THROW(prices_from_json(parse_json(R"({"lambda":{"gb_second":{"x86_64":"cheap"}}})", "p"), "p"), Error);
  EXPECT_THROW(p.gb_second("sparc"), Error);
}

TEST(FaasFunctionConfig, ReadsAndValidatesFunctionsFile) {
  const std::string path = ::testing::TempDir() + "/faas_functions.json";
  write_file_atomic(path, R"({"functions":[
      {"name":"a","command":"/bin/true --x 'two words'","memory":256,"timeout":10,"concurrency":2,
       "environment":{"K":"V"}},
      {"name":"b","command":["/bin/false"]}]})");
  const auto fns = load_functions_file(path);
  ASSERT_EQ(fns.size(), 2u);
  EXPECT_EQ(fns[0].command, (std::vector<std::string>{"/bin/true", "--x", "two words"}));
  EXPECT_EQ(fns[0].memory_mb, 256);
  EXPECT_EQ(fns[0].concurrency, 2);
  EXPECT_EQ(fns[0].environment.at("K"), "V");
  EXPECT_EQ(fns[1].memory_mb, 128);
  EXPECT_EQ(fns[1].timeout_s, 3);

  write_file_atomic(path, R"({"functions":[{"name":"a","command":"x","memory":64}]})");
  try {
    load_functions_file(path);
    FAIL() << "memory 64 accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("128-10240"), std::string::npos) << e.what();
  }
  write_file_atomic(path, R"({"functions":[{"name":"a","command":"x","timeout":901}]})");
  EXPECT_THROW(load_functions_file(path), Error);
  write_file_atomic(path, R"({"functions":[{"name":"a","command":"x","memry":512}]})");
  EXPECT_THROW(load_functions_file(path), Error);
  write_file_atomic(path, R"({"functions":[{"name":"a","command":"x"},{"name":"a","command":"y"}]})");
  EXPECT_THROW(load_functions_file(path), Error);
}

TEST(FaasCpuShare, ThreadsFollowLambdasMemoryRule) {
  EXPECT_EQ(vcpu_threads(128, 8), 1);
  EXPECT_EQ(vcpu_threads(1769, 8), 1);
  EXPECT_EQ(vcpu_threads(3538, 8), 2);
  EXPECT_EQ(vcpu_threads(10240, 8), 6);
  EXPECT_EQ(vcpu_threads(10240, 2), 2);
}

TEST(FaasUtil, Base64RoundTripsAndIdsLookLikeLambdas) {
  for (const std::string s : {"", "a", "ab", "abc", "hello world\n\x01\xff"}) EXPECT_EQ(base64_decode(base64_encode(s)), s);
  EXPECT_EQ(base64_encode("abcd"), "YWJjZA==");
  const std::string id = new_request_id();
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');
  EXPECT_EQ(retry_after_ms(Status(Code::kUnavailable, "invoke f: TooManyRequestsException (429): x; retry after 1000 ms")),
            std::optional<int64_t>(1000));
  EXPECT_FALSE(retry_after_ms(Status(Code::kUnavailable, "refused")).has_value());
}

}  // namespace
}  // namespace faasdl::faas
