// Real distributed training: the faasdl binary as coordinator, the embedded local platform,
// real worker processes, and each store (dir, redis-server, s3rver) on loopback.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include <httplib.h>

#include "support/run_command.h"
#include "support/servers.h"
#include "net/http.h"
#include "report/metrics_log.h"
#include "tensor/safetensors.h"

namespace faasdl::testing {
namespace {

namespace fs = std::filesystem;

std::string out_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("faasdl_dist_" + name);
  fs::remove_all(dir);
  return dir.string();
}

// A small, quick job: 900 Fashion-MNIST images, 3 functions, 2 epochs.
std::string small_job(const std::string& out, const std::string& extra) {
  return "train --model mlp --data fashion-mnist --limit 900 --test-limit 300 --epochs 2 --batch 32 --seed 4 "
         "--workers 3 --no-progress --out " + out + " " + extra;
}

void expect_healthy_run(const std::string& out, int epochs, int workers) {
  const auto records = report::read_jsonl(out + "/metrics.jsonl");
  ASSERT_EQ(records.size(), static_cast<size_t>(epochs));
  for (const auto& r : records) {
    EXPECT_EQ(r["workers"], workers);
    for (const char* f : {"loss", "accuracy", "val_loss", "val_accuracy", "wall_s", "billed_s", "gb_s", "cost_usd",
                          "cold_starts", "functions"})
      EXPECT_TRUE(r.contains(f)) << f;
    EXPECT_GT(r["billed_s"].get<double>(), 0.0);
    EXPECT_GT(r["cost_usd"].get<double>(), 0.0);
    for (const auto& f : r["functions"]) {
      for (const char* k : {"init_ms", "load_ms", "compute_ms", "store_ms", "billed_ms", "bytes_read", "bytes_written"})
        EXPECT_TRUE(f.contains(k)) << k;
      EXPECT_GT(f["bytes_read"].get<int64_t>(), 0);
      EXPECT_GT(f["compute_ms"].get<double>(), 0.0);
    }
  }
  EXPECT_EQ(records[0]["cold_starts"], workers);  // first round starts every sandbox
  EXPECT_GT(records.back()["val_accuracy"].get<double>(), 0.55);
  EXPECT_TRUE(fs::exists(out + "/weights.safetensors"));
}

// Every store with every synchronisation mode: 3 functions, 2 epochs.
struct Combo {
  std::string store;  // dir | redis | s3
  std::string sync;   // epoch | steps:4 | grad
};

void PrintTo(const Combo& c, std::ostream* os) { *os << c.store << " store, sync " << c.sync; }

std::string combo_name(const ::testing::TestParamInfo<Combo>& info) {
  std::string sync = info.param.sync;
  std::replace(sync.begin(), sync.end(), ':', '_');
  return info.param.store + "_" + sync;
}

class DistributedMatrix : public ::testing::TestWithParam<Combo> {};

TEST_P(DistributedMatrix, TrainsThreeFunctionsForTwoEpochs) {
  const Combo& c = GetParam();
  std::string sync = c.sync;
  std::replace(sync.begin(), sync.end(), ':', '_');
  const auto out = out_dir(c.store + "_" + sync);
  std::string env, store;
  std::string error;
  if (c.store == "dir") {
    store = "dir:" + out + "/store";
  } else if (c.store == "redis") {
    RedisServer* redis = shared_redis(&error);
    ASSERT_NE(redis, nullptr) << error;
    store = redis->uri();
  } else {
    S3Server* s3 = shared_s3(&error);
    ASSERT_NE(s3, nullptr) << error;
    store = std::string("s3://") + S3Server::kBucket + "/runs-" + sync + " --s3-endpoint " + s3->endpoint();
    env = "AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER ";
  }
  const auto r = run_command(env + faasdl_bin() + " " + small_job(out, "--sync " + c.sync + " --store " + store));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_healthy_run(out, 2, 3);
  const auto records = report::read_jsonl(out + "/metrics.jsonl");
  EXPECT_EQ(records[0]["sync"], c.sync);
  if (c.sync == "steps:4") {
    EXPECT_EQ(records[0]["rounds"], 3);  // 300 samples per shard / (4 steps x 32)
  }
  if (c.sync == "epoch") {
    // Each function reads only its shard (a third of the data) plus the model.
    for (const auto& f : records[0]["functions"]) {
      EXPECT_EQ(f["bytes_read"].get<int64_t>(), f["shard_bytes"].get<int64_t>() + f["model_bytes"].get<int64_t>());
      EXPECT_LT(f["shard_bytes"].get<int64_t>(), 900 * 784 / 3 + 4096);
    }
    EXPECT_NE(r.output.find("bytes read per function"), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(StoresAndSyncModes, DistributedMatrix,
                         ::testing::Values(Combo{"dir", "epoch"}, Combo{"dir", "steps:4"}, Combo{"dir", "grad"},
                                           Combo{"redis", "epoch"}, Combo{"redis", "steps:4"},
                                           Combo{"redis", "grad"}, Combo{"s3", "epoch"}, Combo{"s3", "steps:4"},
                                           Combo{"s3", "grad"}),
                         combo_name);

TensorFile weights_of(const std::string& out) { return load_safetensors(out + "/weights.safetensors"); }

void expect_identical(const TensorFile& a, const TensorFile& b) {
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    EXPECT_EQ(a.tensors[i].first, b.tensors[i].first);
    EXPECT_EQ(max_abs_diff(a.tensors[i].second, b.tensors[i].second), 0.0f) << a.tensors[i].first;
  }
}

// One function with epoch sync runs the same Trainer on the same samples in the same order as
// single-machine training, so the weights agree bit for bit.
TEST(Distributed, OneWorkerEqualsSingleMachine) {
  const std::string common = "train --model seed-cnn --data fashion-mnist --limit 256 --test-limit 100 --epochs 1 "
                             "--batch 32 --seed 5 --no-progress ";
  const auto single = out_dir("single"), one = out_dir("one");
  auto r = run_faasdl(common + "--threads 1 --out " + single);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_faasdl(common + "--workers 1 --worker-threads 1 --out " + one);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_identical(weights_of(single), weights_of(one));
}

// Four functions, twice, the second time with one invocation failing after it wrote its result:
// the retry rewrites the same key and the final weights do not change.
TEST(Distributed, FourWorkersAreDeterministicDespiteARetry) {
  const std::string common = "train --model mlp --data fashion-mnist --limit 800 --test-limit 100 --epochs 2 "
                             "--seed 9 --workers 4 --no-progress ";
  const auto a = out_dir("det_a"), b = out_dir("det_b");
  auto r = run_faasdl(common + "--out " + a);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_faasdl(common + "--inject-failure 1:2 --out " + b);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("injected failure"), std::string::npos) << r.output;
  const auto records = report::read_jsonl(b + "/metrics.jsonl");
  int retries = 0;
  for (const auto& f : records[1]["functions"]) retries += f["retries"].get<int>();
  EXPECT_EQ(retries, 1);
  expect_identical(weights_of(a), weights_of(b));
}

// More than 6 MB of weights: the invoke payload carries keys only, the tensors go through the store.
TEST(Distributed, ModelLargerThanSixMegabytes) {
  const auto out = out_dir("wide");
  const auto r = run_faasdl("train --model wide-cnn --data fashion-mnist --limit 192 --test-limit 64 --epochs 1 "
                            "--workers 3 --no-progress --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_GT(fs::file_size(out + "/weights.safetensors"), 6u * 1024 * 1024);
  const auto records = report::read_jsonl(out + "/metrics.jsonl");
  for (const auto& f : records[0]["functions"]) EXPECT_GT(f["model_bytes"].get<int64_t>(), 6 * 1024 * 1024);
}

int total_retries(const std::string& out) {
  int retries = 0;
  for (const auto& rec : report::read_jsonl(out + "/metrics.jsonl"))
    for (const auto& f : rec["functions"]) retries += f["retries"].get<int>();
  return retries;
}

// A function that runs past its timeout is killed by the platform and invoked again.
TEST(Distributed, TimedOutFunctionIsRetried) {
  const auto out = out_dir("timeout");
  const auto r = run_faasdl(small_job(out, "--epochs 1 --function-timeout 1 --inject-delay 0:1:3000"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Task timed out after 1.00 seconds"), std::string::npos) << r.output;
  EXPECT_GE(total_retries(out), 1);
}

// With a reserved concurrency of 1, two of the three invocations are throttled (429) and retried.
TEST(Distributed, ThrottledFunctionsAreRetried) {
  const auto out = out_dir("throttle");
  const auto r = run_faasdl(small_job(out, "--epochs 1 --function-concurrency 1"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("TooManyRequestsException"), std::string::npos) << r.output;
  EXPECT_GE(total_retries(out), 2);
  const auto records = report::read_jsonl(out + "/metrics.jsonl");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["cold_starts"], 1);  // one sandbox served the three invocations in turn
  EXPECT_EQ(records[0]["functions"].size(), 3u);
}

TEST(Distributed, FailedFunctionStopsWithAResumableCheckpoint) {
  const auto out = out_dir("resume");
  // Round 1 (epoch 2) fails and no retry is allowed.
  auto r = run_faasdl(small_job(out, "--inject-failure 1:0 --max-retries 0"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("--resume"), std::string::npos) << r.output;
  ASSERT_EQ(report::read_jsonl(out + "/metrics.jsonl").size(), 1u);
  r = run_faasdl("train --resume " + out + " --no-progress");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(report::read_jsonl(out + "/metrics.jsonl").size(), 2u);
}

TEST(Distributed, BadConfigurationIsRefusedUpFront) {
  const auto out = out_dir("bad");
  struct Case {
    std::string extra, message;
  } cases[] = {
      {"--workers 0", "--workers must be >= 1"},
      {"--workers 5000", "more than the 900 training samples"},
      {"--store redis://127.0.0.1:1/0", "not usable"},
      {"--store ftp://x", "ftp://x"},
      {"--sync sometimes", "--sync must be epoch, steps:K or grad"},
      {"--platform gcp", "--platform must be local"},
      {"--lr-scaling cube", "--lr-scaling must be none, sqrt or linear"},
      {"--sync grad --function-concurrency 2", "--sync grad runs all 3 functions at once"},
      {"--inject-delay 1:2", "--inject-delay must be ROUND:WORKER:MS"},
      {"--function-memory 64", "--function-memory must be 128-10240"},
  };
  for (const auto& c : cases) {
    std::string args = small_job(out, c.extra);
    if (c.extra == "--workers 0" || c.extra == "--workers 5000") {
      args = "train --model mlp --data fashion-mnist --limit 900 --epochs 1 --no-progress --out " + out + " " + c.extra;
    }
    const auto r = run_faasdl(args);
    EXPECT_EQ(r.exit_code, 1) << c.extra << "\n" << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.extra << "\n" << r.output;
  }
}

// The coordinator talks to a platform in another process through the Invoke API, as it would
// to AWS Lambda: `faasdl platform serve` plus `--platform lambda:http://127.0.0.1:PORT`.
TEST(Distributed, StandalonePlatformThroughTheInvokeApi) {
  const int port = free_port();
  const std::string log = out_dir("platform_log") + ".log";
  ChildProcess platform({faasdl_bin(), "platform", "serve", "--port", std::to_string(port)}, log);
  ASSERT_TRUE(wait_for_port(port, 10000)) << "platform did not start; see " << log;
  const std::string endpoint = "--platform lambda:http://127.0.0.1:" + std::to_string(port);
  const auto out = out_dir("remote");
  auto r = run_faasdl(small_job(out, endpoint));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_healthy_run(out, 2, 3);
  r = run_faasdl(small_job(out_dir("remote_bad"), endpoint + " --function nosuch"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("function 'nosuch' does not exist"), std::string::npos) << r.output;
}

// `--platform http:URL` posts each task to URL/function/<name>, as OpenFaaS and Knative gateways
// take them. No such gateway runs here, so a minimal one forwards to a real `faasdl platform
// serve` through the Invoke API.
TEST(Distributed, PlainHttpGateway) {
  const int platform_port = free_port();
  const std::string log = out_dir("gateway_platform") + ".log";
  ChildProcess platform({faasdl_bin(), "platform", "serve", "--port", std::to_string(platform_port)}, log);
  ASSERT_TRUE(wait_for_port(platform_port, 10000)) << "platform did not start; see " << log;
  httplib::Server gateway;
  gateway.Post(R"(/function/([A-Za-z0-9_-]+))", [&](const httplib::Request& req, httplib::Response& res) {
    net::HttpRequest forward;
    forward.method = "POST";
    forward.url = "http://127.0.0.1:" + std::to_string(platform_port) + "/2015-03-31/functions/" +
                  req.matches[1].str() + "/invocations";
    forward.body = req.body;
    auto r = net::http_send(forward, Deadline::after_ms(60000));
    if (!r.ok()) {
      res.status = 502;
      return;
    }
    res.status = r->header("X-Amz-Function-Error").empty() ? r->status : 500;
    res.set_content(r->body, "application/json");
  });
  const int gateway_port = gateway.bind_to_any_port("127.0.0.1");
  std::thread serve([&] { gateway.listen_after_bind(); });
  const auto out = out_dir("gateway");
  const auto r = run_faasdl(small_job(out, "--platform http:http://127.0.0.1:" + std::to_string(gateway_port)));
  gateway.stop();
  serve.join();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto records = report::read_jsonl(out + "/metrics.jsonl");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1]["functions"].size(), 3u);
  EXPECT_GT(records[1]["val_accuracy"].get<double>(), 0.55);
}

}  // namespace
}  // namespace faasdl::testing
