#include "train/coordinator.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <thread>

#include "core/fs.h"
#include "core/log.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/strings.h"
#include "data/shard.h"
#include "report/progress.h"
#include "store/store.h"
#include "train/aggregate.h"
#include "train/checkpoint.h"
#include "train/functions.h"
#include "train/protocol.h"
#include "train/run_context.h"

namespace faasdl::train {
namespace {

// One function's part of a round, and what came back.
struct Invocation {
  WorkerTask task;
  WorkerReport report;
  std::vector<faas::BillingRecord> billing;  // one per attempt that reached the platform
  int attempts = 0;
  double start_ms = 0, end_ms = 0;  // since the epoch started
  std::string error;                // set when every attempt failed
};

// Names the run's keys in the store; it never influences the computation.
std::string new_run_id() {
  Rng rng(mix_seed(static_cast<uint64_t>(unix_ms()), static_cast<uint64_t>(::getpid())));
  char id[32];
  std::snprintf(id, sizeof id, "run-%012llx", static_cast<unsigned long long>(rng.next_u64() & 0xffffffffffffULL));
  return id;
}

void check_store(Store& store, const std::string& run) {
  const std::string key = run + "/probe";
  Status s = store.put(key, "ok", Deadline::after_ms(10000));
  if (s.ok()) s = store.get(key, Deadline::after_ms(10000)).status();
  if (!s.ok()) fail("store ", store.uri(), " is not usable: ", s.to_string());
  (void)store.remove(key, Deadline::after_ms(10000));
}

void remove_prefix(Store& store, const std::string& prefix, int64_t timeout_ms) {
  auto keys = store.list(prefix, Deadline::after_ms(timeout_ms));
  if (!keys.ok()) return;  // clean-up is best effort
  for (const auto& k : *keys) (void)store.remove(k, Deadline::after_ms(timeout_ms));
}

// Fault injection: which invocation (round, worker) and, for delays, how long.
struct Injection {
  int round = -1, worker = -1;
  int64_t ms = 0;
  bool hits(int r, int w) const { return r == round && w == worker; }
};

// "ROUND:WORKER" (with_ms = false) or "ROUND:WORKER:MS"; nothing when empty.
Injection parse_injection(const std::string& text, const char* option, bool with_ms) {
  if (text.empty()) return {};
  const auto parts = split(text, ':');
  FAASDL_CHECK(parts.size() == (with_ms ? 3u : 2u), option, " must be ", with_ms ? "ROUND:WORKER:MS" : "ROUND:WORKER",
               ", got '", text, "'");
  Injection i{static_cast<int>(parse_int(parts[0], option)), static_cast<int>(parse_int(parts[1], option)), 0};
  if (with_ms) i.ms = parse_int(parts[2], option);
  return i;
}

class Coordinator {
 public:
  Coordinator(RunContext& run, const DistributedOptions& dist)
      : run_(run), dist_(dist), sync_(parse_sync(dist.sync)), failure_(parse_injection(dist.inject_failure, "--inject-failure", false)),
        delay_(parse_injection(dist.inject_delay, "--inject-delay", true)) {
    const int64_t n = run.splits.train.n;
    FAASDL_CHECK(dist.workers >= 1, "--workers must be >= 1, got ", dist.workers);
    FAASDL_CHECK(dist.workers <= n, "--workers ", dist.workers, " is more than the ", n, " training samples");
    FAASDL_CHECK(dist.max_retries >= 0, "--max-retries must be >= 0");
    FAASDL_CHECK(dist.function_memory_mb >= 128 && dist.function_memory_mb <= 10240,
                 "--function-memory must be 128-10240 MB, got ", dist.function_memory_mb);
    FAASDL_CHECK(dist.function_timeout_s >= 1 && dist.function_timeout_s <= 900,
                 "--function-timeout must be 1-900 s, got ", dist.function_timeout_s);
    FAASDL_CHECK(dist.function_concurrency >= 0, "--function-concurrency must be >= 0");
    FAASDL_CHECK(sync_.mode != SyncMode::kGrad || dist.function_concurrency == 0 ||
                     dist.function_concurrency >= dist.workers,
                 "--sync grad runs all ", dist.workers, " functions at once, but --function-concurrency is ",
                 dist.function_concurrency);
    FAASDL_CHECK(dist.lr_scaling == "none" || dist.lr_scaling == "sqrt" || dist.lr_scaling == "linear",
                 "--lr-scaling must be none, sqrt or linear, got '", dist.lr_scaling, "'");
    const double n_workers = dist.workers;
    lr_factor_ = dist.lr_scaling == "linear" ? n_workers : dist.lr_scaling == "sqrt" ? std::sqrt(n_workers) : 1.0;
    store_uri_ = dist.store.empty() ? "dir:" + run.config.out_dir + "/store" : dist.store;
    StoreOptions so;
    so.s3_endpoint = dist.s3_endpoint;
    so.default_timeout_ms = dist.store_timeout_ms;
    store_ = open_store(store_uri_, so);
    check_store(*store_, dist.run_id);
    functions_ = std::make_unique<FunctionEndpoint>(dist);
    functions_->check_function();
    log_info("coordinator: ", dist.workers, " functions on ", functions_->describe(), ", store ", store_->uri(),
             ", sync ", to_string(sync_));
  }

  Json train_epoch(int epoch);

 private:
  std::vector<std::vector<int64_t>> shards_for(int epoch) const;
  void write_shards(int epoch, const std::vector<std::vector<int64_t>>& shards);
  std::string shard_key(int epoch, int worker) const {
    return str_cat(dist_.run_id, "/data/e", dist_.global_shuffle ? epoch : 0, "/shard-", worker);
  }
  void invoke_all(std::vector<Invocation>& calls, const Stopwatch& epoch_clock, int global_round);
  void invoke_one(Invocation& call, const Stopwatch& epoch_clock, bool fail_once, int64_t delay_once_ms);
  WorkerTask base_task(int epoch, int round) const;

  RunContext& run_;
  DistributedOptions dist_;
  SyncSpec sync_;
  Injection failure_, delay_;
  std::string store_uri_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<FunctionEndpoint> functions_;
  double lr_factor_ = 1.0;  // --lr-scaling
};

std::vector<std::vector<int64_t>> Coordinator::shards_for(int epoch) const {
  const auto& set = run_.splits.train;
  const uint64_t seed = run_.config.train.seed;
  // One function trains on the whole set in exactly the order single-machine training uses.
  if (dist_.workers == 1) return {data::epoch_order(set.n, seed, epoch, run_.config.shuffle)};
  return data::make_shards(set.labels, set.num_classes, dist_.workers, seed, dist_.global_shuffle ? epoch : 0,
                           run_.config.shuffle);
}

void Coordinator::write_shards(int epoch, const std::vector<std::vector<int64_t>>& shards) {
  for (int i = 0; i < dist_.workers; ++i) {
    const std::string key = shard_key(epoch, i);
    auto exists = store_->exists(key, Deadline::after_ms(dist_.store_timeout_ms));
    if (exists.ok() && *exists) continue;  // fixed shards, or a resumed run
    const auto blob = data::encode_shard(data::subset(run_.splits.train, shards[static_cast<size_t>(i)]));
    put_or_throw(*store_, key, blob, dist_.store_timeout_ms);
  }
  if (dist_.global_shuffle && epoch > 0) remove_prefix(*store_, str_cat(dist_.run_id, "/data/e", epoch - 1, "/"), dist_.store_timeout_ms);
}

WorkerTask Coordinator::base_task(int epoch, int round) const {
  WorkerTask t;
  t.run = dist_.run_id;
  t.store_uri = store_uri_;
  t.s3_endpoint = dist_.s3_endpoint;
  t.store_timeout_ms = dist_.store_timeout_ms;
  t.sync = sync_;
  t.round = round;
  t.epoch = epoch;
  t.workers = dist_.workers;
  t.model_key = str_cat(dist_.run_id, "/model/e", epoch, "-r", round);
  t.grad_prefix = str_cat(dist_.run_id, "/round/e", epoch, "-r", round, "/grad");
  t.barrier_timeout_ms = dist_.barrier_timeout_ms;
  t.model_spec = run_.model->spec();
  t.input = run_.model->input_shape();
  t.norm = run_.norm;
  t.train = run_.train;
  t.train.optimizer.lr = static_cast<float>(run_.train.optimizer.lr * lr_factor_);
  t.train.schedule.min_lr = static_cast<float>(run_.train.schedule.min_lr * lr_factor_);
  t.threads = dist_.worker_threads;
  return t;
}

void Coordinator::invoke_one(Invocation& call, const Stopwatch& epoch_clock, bool fail_once, int64_t delay_once_ms) {
  call.start_ms = epoch_clock.ms();
  const int64_t timeout_ms = int64_t{dist_.function_timeout_s} * 1000 + 30000;
  int64_t backoff_ms = 200;
  for (int attempt = 0; attempt <= dist_.max_retries; ++attempt) {
    call.attempts = attempt + 1;
    WorkerTask task = call.task;
    task.fail_after_write = fail_once && attempt == 0;
    task.delay_ms = attempt == 0 ? delay_once_ms : 0;
    auto r = functions_->invoke(task.to_json().dump(), Deadline::after_ms(timeout_ms));
    std::string problem;
    int64_t pause = backoff_ms;
    if (!r.ok()) {
      problem = r.status().to_string();
      if (auto hint = faas::retry_after_ms(r.status())) pause = std::max(pause, *hint);
      if (!r.status().retryable()) attempt = dist_.max_retries;  // e.g. 404, 413: no point retrying
    } else {
      if (r->billing) call.billing.push_back(*r->billing);
      if (r->function_error.empty()) {
        try {
          call.report = WorkerReport::from_json(parse_json(r->body, "worker response"));
          call.end_ms = epoch_clock.ms();
          call.error.clear();
          return;
        } catch (const Error& e) {
          problem = e.what();
        }
      } else {
        problem = str_cat(r->function_error, " function error: ", r->body);
      }
    }
    call.error = problem;
    log_warn("worker ", call.task.worker, " (epoch ", call.task.epoch + 1, " round ", call.task.round + 1,
             ") attempt ", attempt + 1, " failed: ", problem);
    if (attempt < dist_.max_retries) {
      std::this_thread::sleep_for(std::chrono::milliseconds(pause));
      backoff_ms = std::min<int64_t>(backoff_ms * 2, 10000);
    }
  }
  call.end_ms = epoch_clock.ms();
}

void Coordinator::invoke_all(std::vector<Invocation>& calls, const Stopwatch& epoch_clock, int global_round) {
  std::vector<std::thread> threads;
  threads.reserve(calls.size());
  std::atomic<int64_t> done{0};
  for (auto& call : calls) {
    const bool fail_once = failure_.hits(global_round, call.task.worker);
    const int64_t delay_ms = delay_.hits(global_round, call.task.worker) ? delay_.ms : 0;
    threads.emplace_back([&, fail_once, delay_ms] {
      invoke_one(call, epoch_clock, fail_once, delay_ms);
      done.fetch_add(1);
    });
  }
  {
    // A live line on a terminal while the functions run; silent otherwise.
    const auto total = static_cast<int64_t>(calls.size());
    report::ProgressBar bar(str_cat("  round ", global_round + 1), total, run_.config.progress);
    Stopwatch clock;
    while (done.load() < total && report::ProgressBar::stderr_is_tty() && run_.config.progress) {
      bar.update(done.load(), str_cat(done.load(), "/", total, " functions done, ", static_cast<int>(clock.seconds()), " s"));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  for (auto& t : threads) t.join();
  for (const auto& call : calls) {
    if (!call.error.empty()) {
      fail("worker ", call.task.worker, " failed in epoch ", call.task.epoch + 1, " round ", call.task.round + 1,
           " after ", call.attempts, " attempts: ", call.error, "\nThe run stopped; the checkpoint of epoch ",
           call.task.epoch, " is in ", run_.config.out_dir, ": continue with `faasdl train --resume ",
           run_.config.out_dir, "`");
    }
  }
}

Json Coordinator::train_epoch(int epoch) {
  Stopwatch epoch_clock;
  const int n_workers = dist_.workers;
  const int64_t batch = run_.train.batch;
  const auto shards = shards_for(epoch);
  write_shards(epoch, shards);
  std::vector<int64_t> sizes;
  for (const auto& s : shards) sizes.push_back(static_cast<int64_t>(s.size()));
  const int64_t max_size = *std::max_element(sizes.begin(), sizes.end());
  const int64_t min_size = *std::min_element(sizes.begin(), sizes.end());
  int rounds = 1;
  if (sync_.mode == SyncMode::kSteps) rounds = static_cast<int>((max_size + sync_.steps * batch - 1) / (sync_.steps * batch));

  std::string model_blob = encode_checkpoint(*run_.model, *run_.optimizer, {epoch, run_.optimizer->steps()});
  StepTotals totals;
  std::vector<Invocation> all_calls;
  for (int round = 0; round < rounds; ++round) {
    Stopwatch round_clock;
    const WorkerTask base = base_task(epoch, round);
    put_or_throw(*store_, base.model_key, model_blob, dist_.store_timeout_ms);
    std::vector<Invocation> calls;
    for (int i = 0; i < n_workers; ++i) {
      WorkerTask t = base;
      t.worker = i;
      t.shard_key = shard_key(epoch, i);
      t.shard_samples = sizes[static_cast<size_t>(i)];
      t.result_key = str_cat(dist_.run_id, "/round/e", epoch, "-r", round, "/worker-", i);
      if (sync_.mode == SyncMode::kSteps) {
        t.offset = int64_t{round} * sync_.steps * batch;
        t.count = std::min<int64_t>(sync_.steps * batch, t.shard_samples - t.offset);
        if (t.count <= 0) continue;  // this shard is used up; the others finish the epoch
      } else if (sync_.mode == SyncMode::kGrad) {
        // Every function must take the same number of steps: cut to ceil(min/batch) batches.
        const int64_t steps = (min_size + batch - 1) / batch;
        t.count = std::min<int64_t>(t.shard_samples, steps * batch);
      } else {
        t.count = t.shard_samples;
      }
      calls.push_back(Invocation{t, {}, {}, 0, 0, 0, {}});
    }
    invoke_all(calls, epoch_clock, epoch * rounds + round);

    // Combine in worker order: independent of timing and retries.
    std::vector<std::string> blobs, names;
    std::vector<double> weights;
    for (const auto& c : calls) {
      totals.loss_sum += c.report.totals.loss_sum;
      totals.correct += c.report.totals.correct;
      totals.samples += c.report.totals.samples;
      totals.steps = std::max(totals.steps, c.report.totals.steps);
      if (sync_.mode == SyncMode::kGrad && c.task.worker != 0) continue;
      blobs.push_back(get_or_throw(*store_, c.task.result_key, dist_.store_timeout_ms));
      names.push_back(c.task.result_key);
      weights.push_back(static_cast<double>(c.report.totals.samples));
    }
    model_blob = blobs.size() == 1 ? blobs[0] : weighted_average(blobs, weights, names);
    remove_prefix(*store_, str_cat(dist_.run_id, "/round/e", epoch, "-r", round, "/"), dist_.store_timeout_ms);
    (void)store_->remove(base.model_key, Deadline::after_ms(dist_.store_timeout_ms));
    std::printf("  epoch %d round %d/%d: %zu functions, %.1f s, loss %.4f\n", epoch + 1, round + 1, rounds,
                calls.size(), round_clock.seconds(),
                totals.samples ? totals.loss_sum / static_cast<double>(totals.samples) : 0.0);
    std::fflush(stdout);
    for (auto& c : calls) all_calls.push_back(std::move(c));
  }
  const double train_s = epoch_clock.seconds();
  decode_checkpoint(model_blob, "averaged model", *run_.model, *run_.optimizer);
  // The epoch's checkpoint also lives in the store, beside the run's other tensors; the previous
  // one is dropped once this one is written.
  put_or_throw(*store_, str_cat(dist_.run_id, "/checkpoint/e", epoch + 1), model_blob, dist_.store_timeout_ms);
  if (epoch > 0) (void)store_->remove(str_cat(dist_.run_id, "/checkpoint/e", epoch), Deadline::after_ms(dist_.store_timeout_ms));
  Trainer evaluator(*run_.model, *run_.optimizer, run_.train);
  const StepTotals v = evaluator.evaluate(run_.splits.test, run_.norm);

  // Billing and per-function records.
  double billed_ms = 0, gb_s = 0, cost = 0;
  int cold = 0;
  int64_t read_sum = 0, shard_sum = 0, model_sum = 0;
  Json functions = Json::array();
  for (const auto& c : all_calls) {
    double call_billed = 0, init_ms = 0;
    for (const auto& b : c.billing) {
      billed_ms += static_cast<double>(b.billed_duration_ms);
      call_billed += static_cast<double>(b.billed_duration_ms);
      gb_s += b.gb_seconds;
      cost += b.cost_usd;
      if (b.init_duration_ms) {
        ++cold;
        init_ms += *b.init_duration_ms;
      }
    }
    read_sum += c.report.bytes_read;
    if (!c.report.shard_cached) shard_sum += c.report.shard_bytes;
    model_sum += c.report.model_bytes;
    functions.push_back({{"worker", c.task.worker},
                         {"round", c.task.round},
                         {"attempts", c.attempts},
                         {"retries", c.attempts - 1},
                         {"cold", init_ms > 0},
                         {"init_ms", init_ms + c.report.init_ms},
                         {"load_ms", c.report.load_ms},
                         {"compute_ms", c.report.compute_ms},
                         {"store_ms", c.report.store_ms},
                         {"billed_ms", call_billed},
                         {"bytes_read", c.report.bytes_read},
                         {"bytes_written", c.report.bytes_written},
                         {"shard_bytes", c.report.shard_bytes},
                         {"shard_cached", c.report.shard_cached},
                         {"model_bytes", c.report.model_bytes},
                         {"samples", c.report.totals.samples},
                         {"start_ms", c.start_ms},
                         {"end_ms", c.end_ms}});
  }
  const double wall = epoch_clock.seconds();
  Json rec = {{"epoch", epoch + 1},
              {"workers", n_workers},
              {"sync", to_string(sync_)},
              {"rounds", rounds},
              {"loss", totals.loss()},
              {"accuracy", totals.accuracy()},
              {"val_loss", v.loss()},
              {"val_accuracy", v.accuracy()},
              {"train_s", train_s},
              {"eval_s", v.seconds},
              {"wall_s", wall},
              {"images_per_s", static_cast<double>(totals.samples) / std::max(train_s, 1e-9)},
              {"samples", totals.samples},
              {"billed_s", billed_ms / 1000.0},
              {"gb_s", gb_s},
              {"cost_usd", cost},
              {"cold_starts", cold},
              {"invocations", all_calls.size()},
              {"bytes_read_per_function", all_calls.empty() ? 0 : read_sum / static_cast<int64_t>(n_workers)},
              {"functions", functions}};
  std::printf(
      "epoch %d/%d  workers %d  sync %s  loss %.4f  accuracy %.4f  val_loss %.4f  val_accuracy %.4f  %.1f s  "
      "billed %.1f s  $%.6f  cold starts %d\n",
      epoch + 1, run_.config.epochs, n_workers, to_string(sync_).c_str(), totals.loss(), totals.accuracy(), v.loss(),
      v.accuracy(), wall, billed_ms / 1000.0, cost, cold);
  // Per function, averaged over the N: its shard (unless a warm sandbox still held it), the model
  // of each round, and for `grad` the gradient exchange.
  const int64_t n = n_workers;
  std::printf("  bytes read per function: %s = shard %s + model %s (%d round%s)", with_commas(read_sum / n).c_str(),
              with_commas(shard_sum / n).c_str(), with_commas(model_sum / n).c_str(), rounds, rounds == 1 ? "" : "s");
  if (sync_.mode == SyncMode::kGrad) {
    std::printf(" + gradient exchange %s", with_commas((read_sum - shard_sum - model_sum) / n).c_str());
  }
  std::printf("\n");
  std::fflush(stdout);
  return rec;
}

}  // namespace

RunResult run_distributed(const RunConfig& input_config, bool resume) {
  RunConfig config = input_config;
  if (config.dist.run_id.empty()) config.dist.run_id = new_run_id();
  RunContext run = open_run(config, resume);
  Coordinator coordinator(run, config.dist);
  RunResult result{{}, config.out_dir};
  for (int epoch = run.start_epoch; epoch < config.epochs; ++epoch) {
    const Json rec = coordinator.train_epoch(epoch);
    finish_epoch(run, epoch + 1, rec);
    result.last_epoch = rec;
  }
  return result;
}

}  // namespace faasdl::train
