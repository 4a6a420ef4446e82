// faasdl bench: training-step throughput of a model on synthetic data (forward, backward and
// optimizer update, the same code as `faasdl train`), or the machine's SGEMM rate (--gemm).
#include <algorithm>
#include <cstdio>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "cli.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/strings.h"
#include "nn/loss.h"
#include "nn/model.h"
#include "optim/optimizer.h"
#include "train/local_run.h"

namespace faasdl::cli {
namespace {

int gemm_bench(Args& args) {
  const int threads = train::resolve_threads(static_cast<int>(args.integer("threads", 0)));
  const int size = static_cast<int>(args.integer("size", 1024));
  const int repeats = static_cast<int>(args.integer("repeats", 10));
  args.finish();
  FAASDL_CHECK(size >= 16 && repeats >= 1, "--size must be >= 16 and --repeats >= 1");
  const double gflops = backend::measure_sgemm_gflops(size, size, size, threads, repeats);
  std::printf("%s\n", Json({{"sgemm_gflops", gflops}, {"m", size}, {"n", size}, {"k", size}, {"threads", threads}})
                          .dump()
                          .c_str());
  return 0;
}

int bench_cmd(Args& args) {
  if (args.flag("help")) {
    std::printf(
        "usage: faasdl bench --model seed-cnn --input 32x32x3 --batch 32 --threads 2 [--backend cpu]\n"
        "                    [--steps 50] [--warmup 5] [--optimizer adam] [--profile]\n"
        "       faasdl bench --gemm [--size 1024] [--threads 2] [--repeats 10]\n");
    return 0;
  }
  if (args.flag("gemm")) return gemm_bench(args);
  const std::string model_name = args.str("model", "seed-cnn");
  const Shape input = parse_input_shape(args.str("input", "32x32x3"));
  const int batch = static_cast<int>(args.integer("batch", 32));
  const int threads = train::resolve_threads(static_cast<int>(args.integer("threads", 0)));
  const std::string backend_name = args.str("backend", "cpu");
  const int steps = static_cast<int>(args.integer("steps", 50));
  const int warmup = static_cast<int>(args.integer("warmup", 5));
  optim::OptimizerOptions oo;
  oo.type = args.str("optimizer", "adam");
  const bool profile = args.flag("profile");
  args.finish();
  FAASDL_CHECK(batch >= 1 && steps >= 1 && warmup >= 0, "--batch and --steps must be >= 1");

  auto& backend = backend::get_backend(backend_name);
  backend.set_threads(threads);
  nn::Model model(nn::resolve_model_spec(model_name), input);
  model.set_backend(backend);
  model.init(1);
  auto optimizer = optim::make_optimizer(oo);
  Tensor x({batch, input[0], input[1], input[2]});
  Rng rng(1);
  for (int64_t i = 0; i < x.numel(); ++i) x[i] = rng.normal();
  std::vector<int32_t> y(static_cast<size_t>(batch));
  for (auto& label : y) label = static_cast<int32_t>(rng.below(static_cast<uint64_t>(model.num_classes())));
  Tensor dlogits;
  const auto params = model.params();
  auto step = [&] {
    const auto r = nn::softmax_cross_entropy(model.forward(x, true), y, &dlogits);
    model.backward(dlogits);
    optimizer->step(params, oo.lr);
    return r.loss;
  };
  for (int i = 0; i < warmup; ++i) step();
  if (profile) model.set_profiling(true);
  std::vector<double> times;
  for (int i = 0; i < steps; ++i) {
    Stopwatch clock;
    step();
    times.push_back(clock.ms());
  }
  std::vector<double> sorted = times;
  std::sort(sorted.begin(), sorted.end());
  const double median_ms = sorted[sorted.size() / 2];
  double total_ms = 0;
  for (double t : times) total_ms += t;
  const double mean_ms = total_ms / static_cast<double>(steps);
  // A training step costs about three forward passes (forward, backward-data, backward-weights).
  const double step_flops = 3.0 * model.forward_flops_per_sample() * batch;
  Json out = {{"model", model.name()},
              {"input", args.str("input", "32x32x3")},
              {"batch", batch},
              {"threads", threads},
              {"backend", backend.name()},
              {"steps", steps},
              {"images_per_s", batch * 1000.0 / mean_ms},
              {"ms_per_step", mean_ms},
              {"ms_per_step_median", median_ms},
              {"gflops", step_flops / (mean_ms * 1e6)},
              {"mflop_per_image", step_flops / batch / 1e6}};
  std::printf("%s\n", out.dump().c_str());
  if (profile) {
    double fwd = 0, bwd = 0;
    for (const auto& t : model.layer_timings()) {
      fwd += t.forward_ms;
      bwd += t.backward_ms;
    }
    const double optim_ms = total_ms - fwd - bwd;
    std::printf("%-18s %-14s %12s %12s %8s\n", "layer", "type", "forward ms", "backward ms", "share");
    for (const auto& t : model.layer_timings()) {
      std::printf("%-18s %-14s %12.3f %12.3f %7.1f%%\n", t.name.c_str(), t.type.c_str(), t.forward_ms / steps,
                  t.backward_ms / steps, 100.0 * (t.forward_ms + t.backward_ms) / total_ms);
    }
    std::printf("%-18s %-14s %12s %12.3f %7.1f%%\n", "optimizer+loss", "", "", optim_ms / steps,
                100.0 * optim_ms / total_ms);
  }
  return 0;
}

const CommandRegistrar reg("bench", "training-step throughput on synthetic data, or the machine's SGEMM rate", &bench_cmd);

}  // namespace
}  // namespace faasdl::cli
