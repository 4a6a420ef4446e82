// The local platform running the fixture function as real processes.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <thread>

#include "core/fs.h"
#include "core/json.h"
#include "faas/invoker.h"
#include "faas_test_util.h"

namespace faasdl::faas {
namespace {

using testing::fixture_function;
using testing::RunningPlatform;
using testing::test_options;

Json body_json(const PlatformResponse& r) { return Json::parse(r.body); }

TEST(FaasPlatform, ColdStartThenWarmReuse) {
  PlatformOptions o = test_options();
  o.functions = {fixture_function("fx")};
  RunningPlatform p(o);
  InvokeOptions tail;
  tail.log_tail = true;
  const PlatformResponse first = p->invoke("fx", R"({"op":"count"})", tail);
  ASSERT_EQ(first.status, 200) << first.body;
  const PlatformResponse second = p->invoke("fx", R"({"op":"count"})", tail);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(body_json(first)["count"], 1);
  EXPECT_EQ(body_json(second)["count"], 2);
  EXPECT_EQ(body_json(first)["pid"], body_json(second)["pid"]);

  ASSERT_TRUE(first.billing && second.billing);
  EXPECT_TRUE(first.billing->init_duration_ms.has_value());
  EXPECT_GT(*first.billing->init_duration_ms, 0.0);
  EXPECT_FALSE(second.billing->init_duration_ms.has_value());
  EXPECT_NE(first.log_tail.find("Init Duration:"), std::string::npos) << first.log_tail;
  EXPECT_EQ(second.log_tail.find("Init Duration:"), std::string::npos) << second.log_tail;
  EXPECT_NE(second.log_tail.find("START RequestId: " + second.request_id), std::string::npos);
  EXPECT_NE(second.log_tail.find("REPORT RequestId: " + second.request_id), std::string::npos);
  EXPECT_GT(second.billing->max_memory_used_mb, 0);
  EXPECT_EQ(second.billing->memory_size_mb, 128);
  EXPECT_EQ(second.billing->billed_duration_ms, static_cast<int64_t>(std::ceil(second.billing->duration_ms - 1e-9)));

  const PlatformStats s = p->stats();
  EXPECT_EQ(s.cold_starts, 1);
  EXPECT_EQ(s.warm_starts, 1);
  EXPECT_EQ(s.sandboxes, 1);
  EXPECT_EQ(p->billing_records().size(), 2u);
}

TEST(FaasPlatform, SandboxGetsLambdaEnvironment) {
  PlatformOptions o = test_options();
  o.functions = {fixture_function("envfn", 3538, 7, 0, {{"FIXTURE_VAR", "set"}})};
  RunningPlatform p(o);
  const PlatformResponse r = p->invoke("envfn", R"({"op":"env"})");
  ASSERT_EQ(r.status, 200) << r.body;
  const Json j = body_json(r);
  const Json& env = j.at("env");
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_NAME"], "envfn");
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "3538");
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST");
  EXPECT_EQ(env["AWS_LAMBDA_LOG_GROUP_NAME"], "/aws/lambda/envfn");
  EXPECT_NE(env["AWS_LAMBDA_LOG_STREAM_NAME"].get<std::string>().find("[$LATEST]"), std::string::npos);
  EXPECT_EQ(env["AWS_LAMBDA_RUNTIME_API"].get<std::string>().rfind("127.0.0.1:", 0), 0u);
  EXPECT_EQ(env["AWS_REGION"], "us-east-1");
  EXPECT_EQ(env["_HANDLER"], "envfn");
  EXPECT_EQ(env["TZ"], ":UTC");
  EXPECT_EQ(env["FIXTURE_VAR"], "set");
  EXPECT_FALSE(env["LAMBDA_TASK_ROOT"].get<std::string>().empty());
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(env["OMP_NUM_THREADS"], std::to_string(std::min(2, cores)));
  EXPECT_EQ(j["request_id"], r.request_id);
  EXPECT_EQ(j["function_arn"], "arn:aws:lambda:us-east-1:000000000000:function:envfn");
  EXPECT_GT(j["remaining_ms"].get<int64_t>(), 5000);
}

TEST(FaasPlatform, ConcurrencyLimitAnswers429) {
  PlatformOptions o = test_options();
  o.functions = {fixture_function("one", 128, 10, /*concurrency=*/1)};
  RunningPlatform p(o);
  ASSERT_EQ(p->invoke("one", "{}").status, 200);  // warm it up
  std::atomic<bool> done{false};
  std::thread busy([&] {
    EXPECT_EQ(p->invoke("one", R"({"op":"sleep","ms":1500})").status, 200);
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const PlatformResponse r = p->invoke("one", "{}");
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.error_type, "TooManyRequestsException");
  EXPECT_EQ(r.retry_after_s, 1);
  EXPECT_EQ(body_json(r)["Reason"], "ReservedFunctionConcurrentInvocationLimitExceeded");

  // Over HTTP the invoker turns it into a retryable status with the hint.
  InvokerOptions io;
  io.endpoint = p->endpoint();
  io.sign = false;
  auto via_http = Invoker(io).invoke("one", "{}", Deadline::after_ms(5000));
  EXPECT_FALSE(done.load());
  ASSERT_FALSE(via_http.ok());
  EXPECT_TRUE(via_http.status().retryable());
  EXPECT_EQ(retry_after_ms(via_http.status()), std::optional<int64_t>(1000));
  busy.join();
  EXPECT_EQ(p->invoke("one", "{}").status, 200);
  EXPECT_GE(p->stats().throttles, 2);
}

TEST(FaasPlatform, TimeoutKillsTheSandbox) {
  PlatformOptions o = test_options();
  o.functions = {fixture_function("slow", 128, /*timeout_s=*/1)};
  RunningPlatform p(o);
  const Json before = body_json(p->invoke("slow", R"({"op":"count"})"));
  Stopwatch sw;
  const PlatformResponse r = p->invoke("slow", R"({"op":"sleep","ms":10000})");
  EXPECT_LT(sw.seconds(), 3.0);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.function_error, "Unhandled");
  const std::string msg = body_json(r)["errorMessage"];
  EXPECT_NE(msg.find(r.request_id + " Task timed out after 1.00 seconds"), std::string::npos) << msg;
  ASSERT_TRUE(r.billing);
  EXPECT_EQ(r.billing->outcome, "timeout");
  EXPECT_EQ(r.billing->billed_duration_ms, 1000);
  // The old process is gone; the next invoke starts a new one.
  EXPECT_NE(::kill(before["pid"].get<int>(), 0), 0);
  const PlatformResponse again = p->invoke("slow", R"({"op":"count"})");
  EXPECT_EQ(body_json(again)["count"], 1);
  EXPECT_TRUE(again.billing->init_duration_ms.has_value());
}

TEST(FaasPlatform, MemoryLimitFailsAsRuntimeExitError) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "memory limits are off under sanitizers";
#endif
  PlatformOptions o = test_options();
  o.functions = {fixture_function("small", 128)};
  RunningPlatform p(o);
  const PlatformResponse fits = p->invoke("small", R"({"op":"alloc","mb":32})");
  EXPECT_EQ(fits.status, 200);
  EXPECT_TRUE(fits.function_error.empty()) << fits.body;
  EXPECT_GE(fits.billing->max_memory_used_mb, 32);
  const PlatformResponse r = p->invoke("small", R"({"op":"alloc","mb":400})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.function_error, "Unhandled");
  EXPECT_EQ(body_json(r)["errorType"], "Runtime.ExitError") << r.body;
  EXPECT_NE(body_json(r)["errorMessage"].get<std::string>().find("Runtime exited with error: signal: killed"),
            std::string::npos);
  EXPECT_EQ(r.billing->outcome, "crash");
  EXPECT_LE(r.billing->max_memory_used_mb, 140);
}

TEST(FaasPlatform, FunctionErrorsAre200WithFunctionErrorHeader) {
  PlatformOptions o = test_options();
  o.functions = {fixture_function("err")};
  RunningPlatform p(o);
  const PlatformResponse handled = p->invoke("err", R"({"op":"error"})");
  EXPECT_EQ(handled.status, 200);
  EXPECT_EQ(handled.function_error, "Unhandled");
  EXPECT_EQ(body_json(handled)["errorType"], "Fixture.Error");
  EXPECT_EQ(body_json(handled)["errorMessage"], "asked to fail");

  const PlatformResponse thrown = p->invoke("err", R"({"op":"throw"})");
  EXPECT_EQ(body_json(thrown)["errorType"], "std::runtime_error");
  EXPECT_EQ(p->stats().sandboxes, 1);  // errors keep the sandbox

  const PlatformResponse crashed = p->invoke("err", R"({"op":"crash"})");
  EXPECT_EQ(crashed.function_error, "Unhandled");
  EXPECT_EQ(body_json(crashed)["errorType"], "Runtime.ExitError");
  EXPECT_NE(body_json(crashed)["errorMessage"].get<std::string>().find("signal: aborted"), std::string::npos);

  // Over HTTP: 200 and X-Amz-Function-Error.
  InvokerOptions io;
  io.endpoint = p->endpoint();
  auto r = Invoker(io).invoke("err", R"({"op":"error"})", Deadline::after_ms(10000));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->function_error, "Unhandled");
  EXPECT_EQ(Json::parse(r->body)["errorType"], "Fixture.Error");
}

TEST(FaasPlatform, InitFailures) {
  PlatformOptions o = test_options();
  o.functions = {fixture_function("initcrash", 128, 5, 0, {{"FIXTURE_INIT", "crash"}}),
                 fixture_function("initerror", 128, 5, 0, {{"FIXTURE_INIT", "error"}})};
  RunningPlatform p(o);
  InvokeOptions tail;
  tail.log_tail = true;
  const PlatformResponse c = p->invoke("initcrash", "{}", tail);
  EXPECT_EQ(c.function_error, "Unhandled");
  EXPECT_EQ(body_json(c)["errorType"], "Runtime.ExitError");
  EXPECT_NE(body_json(c)["errorMessage"].get<std::string>().find("exit status 3"), std::string::npos);
  EXPECT_NE(c.log_tail.find("fixture: crashing at init"), std::string::npos) << c.log_tail;
  const PlatformResponse e = p->invoke("initerror", "{}");
  EXPECT_EQ(e.function_error, "Unhandled");
  EXPECT_EQ(body_json(e)["errorType"], "Fixture.InitError");
  EXPECT_EQ(p->stats().sandboxes, 0);
}

TEST(FaasPlatform, PayloadLimitsAndValidation) {
  PlatformOptions o = test_options();
  o.functions = {fixture_function("fx")};
  RunningPlatform p(o);
  const std::string big = "\"" + std::string(6 * 1024 * 1024, 'a') + "\"";
  const PlatformResponse r = p->invoke("fx", big);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.error_type, "RequestTooLargeException");
  EXPECT_EQ(body_json(r)["Type"], "User");

  const PlatformResponse bad = p->invoke("fx", "not json");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.error_type, "InvalidRequestContentException");

  const PlatformResponse missing = p->invoke("nope", "{}");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.error_type, "ResourceNotFoundException");
  EXPECT_NE(missing.body.find("function:nope"), std::string::npos);

  InvokeOptions dry;
  dry.invocation_type = "DryRun";
  EXPECT_EQ(p->invoke("fx", "{}", dry).status, 204);
  EXPECT_EQ(p->stats().sandboxes, 0);

  // The same limits over HTTP.
  InvokerOptions io;
  io.endpoint = p->endpoint();
  Invoker inv(io);
  auto too_large = inv.invoke("fx", big, Deadline::after_ms(10000));
  ASSERT_FALSE(too_large.ok());
  EXPECT_EQ(too_large.status().code(), Code::kResourceExhausted);
  EXPECT_NE(too_large.status().message().find("RequestTooLargeException"), std::string::npos);
  auto not_found = inv.invoke("nope", "{}", Deadline::after_ms(5000));
  EXPECT_EQ(not_found.status().code(), Code::kNotFound);
  io.invocation_type = "DryRun";
  auto dry_http = Invoker(io).invoke("fx", "{}", Deadline::after_ms(5000));
  ASSERT_TRUE(dry_http.ok());
  EXPECT_EQ(dry_http->status, 204);

  // A response over 6 MB is a function error.
  const PlatformResponse huge = p->invoke("fx", R"({"op":"big","bytes":6500000})");
  EXPECT_EQ(huge.function_error, "Unhandled");
  EXPECT_EQ(body_json(huge)["errorType"], "Function.ResponseSizeTooLarge");
}

TEST(FaasPlatform, EventInvocationsRunAndRetry) {
  PlatformOptions o = test_options();
  FunctionConfig f = fixture_function("ev");
  o.functions = {f};
  RunningPlatform p(o);
  const std::string counter = ::testing::TempDir() + "/faas_flaky_" + std::to_string(::getpid());
  std::remove(counter.c_str());
  InvokeOptions event;
  event.invocation_type = "Event";

  const PlatformResponse ok = p->invoke("ev", R"({"op":"echo"})", event);
  EXPECT_EQ(ok.status, 202);
  EXPECT_TRUE(ok.body.empty());
  const PlatformResponse flaky = p->invoke("ev", Json{{"op", "flaky"}, {"file", counter}, {"fail", 2}}.dump(), event);
  EXPECT_EQ(flaky.status, 202);
  const PlatformResponse failing = p->invoke("ev", R"({"op":"error"})", event);
  EXPECT_EQ(failing.status, 202);
  ASSERT_TRUE(p->wait_async_idle(Deadline::after_ms(20000)));

  std::map<std::string, AsyncOutcome> by_id;
  for (const auto& out : p->async_outcomes()) by_id[out.request_id] = out;
  ASSERT_EQ(by_id.size(), 3u);
  EXPECT_EQ(by_id[ok.request_id].condition, "Success");
  EXPECT_EQ(by_id[ok.request_id].attempts, 1);
  EXPECT_EQ(by_id[flaky.request_id].condition, "Success");
  EXPECT_EQ(by_id[flaky.request_id].attempts, 3);
  EXPECT_EQ(Json::parse(by_id[flaky.request_id].response)["attempt"], 3);
  EXPECT_EQ(by_id[failing.request_id].condition, "RetriesExhausted");
  EXPECT_EQ(by_id[failing.request_id].attempts, 3);
  EXPECT_EQ(by_id[failing.request_id].error_type, "Fixture.Error");
  std::remove(counter.c_str());

  // Over 256 KB is too large for an Event.
  EXPECT_EQ(p->invoke("ev", "\"" + std::string(300000, 'a') + "\"", event).status, 413);
}

TEST(FaasPlatform, RuntimeApiProtocolErrorsSeenByARealFunction) {
  PlatformOptions o = test_options();
  o.functions = {fixture_function("probe")};
  RunningPlatform p(o);
  InvokeOptions tail;
  tail.log_tail = true;
  const PlatformResponse r = p->invoke("probe", R"({"op":"probe"})", tail);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"probe":"first"})");
  EXPECT_NE(r.log_tail.find("PROBE unknown=400 init_error=403"), std::string::npos) << r.log_tail;
  // The runtime carries on after its refused post; the same sandbox reports the rest.
  const PlatformResponse report = p->invoke("probe", R"({"op":"probe_report"})");
  EXPECT_EQ(Json::parse(report.body), Json::parse(R"({"first":202,"second":403,"error_after":403})")) << report.body;
  EXPECT_FALSE(report.billing->init_duration_ms.has_value());
}

TEST(FaasPlatform, LogTailAndBillingOverHttp) {
  PlatformOptions o = test_options();
  o.functions = {fixture_function("logs")};
  RunningPlatform p(o);
  std::vector<BillingRecord> seen;
  std::mutex mu;
  p->set_billing_callback([&](const BillingRecord& r) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(r);
  });
  InvokerOptions io;
  io.endpoint = p->endpoint();
  io.log_tail = true;
  auto r = Invoker(io).invoke("logs", R"({"op":"print","text":"hello from the function"})", Deadline::after_ms(10000));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_NE(r->log_tail.find("hello from the function\n"), std::string::npos) << r->log_tail;
  EXPECT_NE(r->log_tail.find("hello from the function (stderr)"), std::string::npos);
  EXPECT_NE(r->log_tail.find("END RequestId: " + r->request_id), std::string::npos);
  ASSERT_TRUE(r->billing.has_value());
  EXPECT_EQ(r->billing->request_id, r->request_id);
  EXPECT_EQ(r->billing->function, "logs");
  EXPECT_TRUE(r->billing->init_duration_ms.has_value());
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].request_id, r->request_id);
  }
  httplib::Client http("127.0.0.1", p->port());
  auto listing = http.Get("/faasdl/billing?since=0");
  ASSERT_TRUE(listing);
  const Json j = Json::parse(listing->body);
  ASSERT_EQ(j["records"].size(), 1u);
  EXPECT_EQ(j["records"][0]["request_id"], r->request_id);
  EXPECT_EQ(j["next"], 1);
  EXPECT_EQ(Json::parse(http.Get("/faasdl/billing?since=1")->body)["records"].size(), 0u);
}

TEST(FaasPlatform, IdleSandboxesAreReaped) {
  PlatformOptions o = test_options();
  o.idle_timeout_ms = 200;
  o.functions = {fixture_function("idle")};
  RunningPlatform p(o);
  EXPECT_EQ(p->invoke("idle", "{}").status, 200);
  EXPECT_EQ(p->stats().sandboxes, 1);
  for (int i = 0; i < 100 && p->stats().sandboxes > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(p->stats().sandboxes, 0);
  EXPECT_TRUE(p->invoke("idle", "{}").billing->init_duration_ms.has_value());
}

TEST(FaasPlatform, SignedRequestsWhenCredentialsAreConfigured) {
  PlatformOptions o = test_options();
  o.functions = {fixture_function("sec")};
  o.credentials = PlatformCredentials{"AKIDFAASDLTEST", "right-secret"};
  RunningPlatform p(o);
  InvokerOptions io;
  io.endpoint = p->endpoint();
  io.access_key_id = "AKIDFAASDLTEST";
  io.secret_access_key = "right-secret";
  auto good = Invoker(io).invoke("sec", R"({"a":1})", Deadline::after_ms(10000));
  ASSERT_TRUE(good.ok()) << good.status().to_string();
  EXPECT_EQ(good->body, R"({"a":1})");

  io.secret_access_key = "wrong-secret";
  auto wrong = Invoker(io).invoke("sec", R"({"a":1})", Deadline::after_ms(10000));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), Code::kPermissionDenied);
  EXPECT_NE(wrong.status().message().find("InvalidSignatureException"), std::string::npos) << wrong.status().message();

  io.access_key_id = "AKIDSOMEONEELSE";
  auto unknown = Invoker(io).invoke("sec", "{}", Deadline::after_ms(10000));
  EXPECT_EQ(unknown.status().code(), Code::kPermissionDenied);

  io.sign = false;
  auto unsigned_call = Invoker(io).invoke("sec", "{}", Deadline::after_ms(10000));
  EXPECT_EQ(unsigned_call.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(p->billing_records().size(), 1u);  // only the signed call ran
}

TEST(FaasPlatform, BuiltInEchoRunsTheFaasdlBinary) {
  const std::string bin = testing::faasdl_binary();
  if (bin.empty()) GTEST_SKIP() << "faasdl binary not built";
  PlatformOptions o = test_options();
  o.register_defaults = true;
  o.faasdl_binary = bin;
  RunningPlatform p(o);
  const PlatformResponse r = p->invoke("echo", R"({"x":1})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.function_error.empty()) << r.body;
  EXPECT_EQ(r.body, R"({"x":1})");
  bool has_worker = false;
  for (const auto& f : p->functions()) has_worker |= f.name == "worker";
  EXPECT_TRUE(has_worker);
}

TEST(FaasPlatform, RefusesNonLoopbackHosts) {
  PlatformOptions o = test_options();
  o.host = "0.0.0.0";
  LocalPlatform p(o);
  EXPECT_EQ(p.start().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace faasdl::faas
