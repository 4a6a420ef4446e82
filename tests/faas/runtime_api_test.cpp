// The Runtime API server and the run_handler client against each other, in one process.
#include <gtest/gtest.h>
#include <httplib.h>

#include <stdexcept>
#include <thread>

#include "core/clock.h"
#include "core/json.h"
#include "faas/runtime.h"
#include "faas/runtime_api_server.h"

namespace faasdl::faas {
namespace {

Invocation make_invocation(const std::string& id, const std::string& payload) {
  Invocation inv;
  inv.request_id = id;
  inv.payload = payload;
  inv.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:t";
  inv.trace_id = "Root=1-abc";
  inv.deadline_unix_ms = unix_ms() + 5000;
  return inv;
}

TEST(FaasRuntimeApi, RunHandlerServesEventsAndReportsErrors) {
  RuntimeApiServer api;
  ASSERT_TRUE(api.start().ok());
  RuntimeOptions ro;
  ro.endpoint = "127.0.0.1:" + std::to_string(api.port());
  ro.max_invocations = 2;
  int rc = -1;
  std::thread runtime([&] {
    rc = run_handler(
        [](const InvocationRequest& req) -> InvocationResponse {
          if (req.payload == "\"boom\"") throw std::invalid_argument("bad event");
          EXPECT_EQ(req.function_arn, "arn:aws:lambda:us-east-1:000000000000:function:t");
          EXPECT_EQ(req.trace_id, "Root=1-abc");
          EXPECT_GT(req.remaining_ms(), 3000);
          EXPECT_LE(req.remaining_ms(), 5000);
          return InvocationResponse::ok("{\"echo\":" + req.payload + "}");
        },
        ro);
  });
  ASSERT_TRUE(api.wait_init(5000));
  EXPECT_TRUE(api.initialized());
  api.submit(make_invocation("id-1", "[1,2]"));
  auto r1 = api.wait_result(5000);
  ASSERT_TRUE(r1.has_value());
  EXPECT_TRUE(r1->success);
  EXPECT_EQ(r1->body, "{\"echo\":[1,2]}");

  api.submit(make_invocation("id-2", "\"boom\""));
  auto r2 = api.wait_result(5000);
  ASSERT_TRUE(r2.has_value());
  EXPECT_FALSE(r2->success);
  EXPECT_EQ(r2->error_type, "std::invalid_argument");
  const Json err = Json::parse(r2->body);
  EXPECT_EQ(err["errorMessage"], "bad event");
  EXPECT_EQ(err["errorType"], "std::invalid_argument");
  runtime.join();
  EXPECT_EQ(rc, 0);
  api.stop();
}

TEST(FaasRuntimeApi, ProtocolErrorsUseLambdasStatusCodes) {
  RuntimeApiServer api(/*max_response_bytes=*/1000);
  ASSERT_TRUE(api.start().ok());
  httplib::Client cli("127.0.0.1", api.port());
  cli.set_read_timeout(5, 0);
  const std::string base = "/2018-06-01/runtime/invocation/";

  auto unknown = cli.Post(base + "nope/response", "{}", "application/json");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 400);
  EXPECT_EQ(Json::parse(unknown->body)["errorType"], "InvalidRequestID");

  // Before the first /next, init/error is allowed once.
  auto init_err = cli.Post("/2018-06-01/runtime/init/error", R"({"errorType":"X","errorMessage":"y"})", "application/json");
  ASSERT_TRUE(init_err);
  EXPECT_EQ(init_err->status, 202);
  EXPECT_EQ(api.init_failure()->error_type, "X");
  auto init_again = cli.Post("/2018-06-01/runtime/init/error", "{}", "application/json");
  EXPECT_EQ(init_again->status, 403);

  api.submit(make_invocation("id-1", "{}"));
  httplib::Client poller("127.0.0.1", api.port());
  auto next = poller.Get(base + "next");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->get_header_value("Lambda-Runtime-Aws-Request-Id"), "id-1");
  EXPECT_FALSE(next->get_header_value("Lambda-Runtime-Deadline-Ms").empty());
  EXPECT_EQ(next->get_header_value("Lambda-Runtime-Invoked-Function-Arn"),
            "arn:aws:lambda:us-east-1:000000000000:function:t");

  auto first = cli.Post(base + "id-1/response", "{\"ok\":1}", "application/json");
  EXPECT_EQ(first->status, 202);
  auto twice = cli.Post(base + "id-1/response", "{\"ok\":2}", "application/json");
  EXPECT_EQ(twice->status, 403);
  EXPECT_EQ(Json::parse(twice->body)["errorType"], "InvalidStateTransition");
  auto error_after = cli.Post(base + "id-1/error", "{}", "application/json");
  EXPECT_EQ(error_after->status, 403);
  auto r = api.wait_result(1000);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->body, "{\"ok\":1}");

  // A response over the limit: 413 to the runtime, an error for the caller.
  api.submit(make_invocation("id-2", "{}"));
  ASSERT_EQ(poller.Get(base + "next")->status, 200);
  auto big = cli.Post(base + "id-2/response", std::string(2000, 'x'), "application/json");
  EXPECT_EQ(big->status, 413);
  auto rb = api.wait_result(1000);
  ASSERT_TRUE(rb.has_value());
  EXPECT_FALSE(rb->success);
  EXPECT_EQ(rb->error_type, "Function.ResponseSizeTooLarge");

  // Stopping wakes a pending /next with 500.
  std::thread late([&] {
    auto n = poller.Get(base + "next");
    ASSERT_TRUE(n);
    EXPECT_EQ(n->status, 500);
  });
  ASSERT_TRUE(api.wait_init(1000));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  api.stop();
  late.join();
}

TEST(FaasRuntimeApi, RunHandlerGivesUpWhenTheApiIsGone) {
  RuntimeOptions ro;
  ro.endpoint = "127.0.0.1:1";  // nothing listens on port 1
  ro.max_attempts = 2;
  ro.retry_backoff_ms = 10;
  Stopwatch sw;
  EXPECT_EQ(run_handler([](const InvocationRequest&) { return InvocationResponse::ok("{}"); }, ro), 1);
  EXPECT_LT(sw.seconds(), 5.0);
  EXPECT_FALSE(report_init_error("X", "y", ro).ok());
}

}  // namespace
}  // namespace faasdl::faas
