#include <gtest/gtest.h>

#include <thread>

#include "core/status.h"
#include "store/store.h"
#include "tensor/safetensors.h"
#include "train/aggregate.h"
#include "train/grad_sync.h"
#include "train/protocol.h"

namespace faasdl::train {
namespace {

std::string blob(float a, float b, int steps) {
  Tensor w({2}, std::vector<float>{a, b});
  return encode_safetensors({{"w", &w}}, {{"optimizer_steps", std::to_string(steps)}, {"epochs_done", "0"}});
}

TEST(WeightedAverage, WeighsBySamples) {
  const auto out = decode_safetensors(weighted_average({blob(1, 2, 3), blob(4, 8, 5)}, {1, 3}, {"a", "b"}), "avg");
  EXPECT_FLOAT_EQ(out.find("w")->data()[0], 3.25f);
  EXPECT_FLOAT_EQ(out.find("w")->data()[1], 6.5f);
  EXPECT_EQ(out.metadata.at("optimizer_steps"), "5");
}

TEST(WeightedAverage, OneBlobComesBackBitForBit) {
  const float odd = 0.1f + 1e-8f;
  const auto out = decode_safetensors(weighted_average({blob(odd, -3.3f, 1)}, {7}, {"a"}), "avg");
  EXPECT_EQ(out.find("w")->data()[0], odd);
  EXPECT_EQ(out.find("w")->data()[1], -3.3f);
}

TEST(WeightedAverage, RefusesMismatchedBlobs) {
  Tensor w({3});
  const auto other = encode_safetensors({{"w", &w}});
  EXPECT_THROW(weighted_average({blob(1, 2, 0), other}, {1, 1}, {"a", "b"}), Error);
  EXPECT_THROW(weighted_average({blob(1, 2, 0)}, {0}, {"a"}), Error);
}

TEST(Protocol, TaskRoundTripsAndRejectsBadPayloads) {
  WorkerTask t;
  t.run = "r";
  t.store_uri = "mem:x";
  t.sync = parse_sync("steps:3");
  t.worker = 2;
  t.workers = 4;
  t.count = 10;
  t.model_spec = {{"layers", Json::array()}};
  t.input = {1, 28, 28};
  t.norm.mean = {0.5f};
  t.norm.std = {0.25f};
  const WorkerTask u = WorkerTask::from_json(t.to_json());
  EXPECT_EQ(u.worker, 2);
  EXPECT_EQ(to_string(u.sync), "steps:3");
  EXPECT_EQ(u.input, t.input);
  Json bad = t.to_json();
  bad["worker"] = 4;
  EXPECT_THROW(WorkerTask::from_json(bad), Error);
  bad = t.to_json();
  bad.erase("model_key");
  EXPECT_THROW(WorkerTask::from_json(bad), Error);
  EXPECT_THROW(parse_sync("steps:0"), Error);
  EXPECT_THROW(parse_sync("async"), Error);
}

// N threads stand in for N functions sharing a store.
TEST(StoreAllReduce, AveragesGradientsWeightedBySamples) {
  auto store = open_store("mem:allreduce");
  constexpr int kWorkers = 3;
  std::vector<nn::Param> params(kWorkers);
  std::vector<double> weights = {32, 32, 16};
  for (int i = 0; i < kWorkers; ++i) {
    params[i].grad = Tensor({7}, static_cast<float>(i + 1));  // worker i's gradient is i+1 everywhere
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < kWorkers; ++i) {
    threads.emplace_back([&, i] {
      StoreAllReduce ar(*store, "run/round/grad", i, kWorkers, 5000, 5000);
      ar.allreduce({&params[i]}, 0, weights[i]);
    });
  }
  for (auto& t : threads) t.join();
  const float expected = static_cast<float>((1 * 32 + 2 * 32 + 3 * 16) / 80.0);
  for (int i = 0; i < kWorkers; ++i)
    for (int64_t j = 0; j < 7; ++j) EXPECT_FLOAT_EQ(params[i].grad[j], expected);
}

TEST(StoreAllReduce, MissingPeerFailsAtTheBarrierDeadline) {
  auto store = open_store("mem:allreduce_missing");
  nn::Param p;
  p.grad = Tensor({4}, 1.0f);
  StoreAllReduce ar(*store, "run/round/grad", 0, 2, 300, 1000);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(ar.allreduce({&p}, 0, 1.0), Error);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

}  // namespace
}  // namespace faasdl::train
