#include "optim/optimizer.h"

#include <cmath>

#include "core/status.h"

namespace faasdl::optim {
namespace {

// Per-parameter state, keyed by parameter order.
struct Slots {
  std::vector<std::pair<std::string, Tensor>> tensors;
  void ensure(const std::vector<nn::Param*>& params, const char* suffix) {
    if (!tensors.empty()) return;
    for (auto* p : params) tensors.emplace_back(p->name + suffix, Tensor(p->value.shape()));
  }
  void load(const TensorFile& file, const std::vector<nn::Param*>& params, const char* suffix) {
    tensors.clear();
    for (auto* p : params) {
      const std::string name = p->name + suffix;
      const Tensor* t = file.find(name);
      FAASDL_CHECK(t != nullptr, "optimizer state: missing '", name, "'");
      FAASDL_CHECK(t->shape() == p->value.shape(), "optimizer state: '", name, "' has shape ", shape_str(t->shape()));
      tensors.emplace_back(name, *t);
    }
  }
  void add_refs(NamedTensorRefs& out) const {
    for (const auto& [n, t] : tensors) out.emplace_back(n, &t);
  }
};

class Sgd : public Optimizer {
 public:
  explicit Sgd(const OptimizerOptions& o) : o_(o) {}

  void step(const std::vector<nn::Param*>& params, float lr) override {
    if (o_.momentum > 0.0f) velocity_.ensure(params, ".momentum");
    for (size_t i = 0; i < params.size(); ++i) {
      float* w = params[i]->value.data();
      const float* g = params[i]->grad.data();
      const int64_t n = params[i]->value.numel();
      float* v = o_.momentum > 0.0f ? velocity_.tensors[i].second.data() : nullptr;
      const float wd = o_.weight_decay, mu = o_.momentum;
      const bool first = steps_ == 0;
      for (int64_t j = 0; j < n; ++j) {
        float d = g[j] + wd * w[j];
        if (v) {
          v[j] = first ? d : mu * v[j] + d;
          d = o_.nesterov ? d + mu * v[j] : v[j];
        }
        w[j] -= lr * d;
      }
    }
    ++steps_;
  }

  NamedTensorRefs state() override {
    NamedTensorRefs out;
    velocity_.add_refs(out);
    return out;
  }
  void load_state(const TensorFile& file, const std::vector<nn::Param*>& params, int64_t steps) override {
    if (o_.momentum > 0.0f && steps > 0) velocity_.load(file, params, ".momentum");
    steps_ = steps;
  }
  void reset() override {
    velocity_.tensors.clear();
    steps_ = 0;
  }

 private:
  OptimizerOptions o_;
  Slots velocity_;
};

class Adam : public Optimizer {
 public:
  explicit Adam(const OptimizerOptions& o) : o_(o) {}

  void step(const std::vector<nn::Param*>& params, float lr) override {
    m_.ensure(params, ".m");
    v_.ensure(params, ".v");
    ++steps_;
    const double t = static_cast<double>(steps_);
    const float bc1 = static_cast<float>(1.0 - std::pow(static_cast<double>(o_.beta1), t));
    const float bc2_sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(static_cast<double>(o_.beta2), t)));
    const float step_size = lr / bc1;
    const float b1 = o_.beta1, b2 = o_.beta2, eps = o_.eps, wd = o_.weight_decay;
    for (size_t i = 0; i < params.size(); ++i) {
      float* w = params[i]->value.data();
      const float* g = params[i]->grad.data();
      float* m = m_.tensors[i].second.data();
      float* v = v_.tensors[i].second.data();
      const int64_t n = params[i]->value.numel();
      for (int64_t j = 0; j < n; ++j) {
        const float d = g[j] + wd * w[j];
        m[j] = b1 * m[j] + (1.0f - b1) * d;
        v[j] = b2 * v[j] + (1.0f - b2) * d * d;
        w[j] -= step_size * m[j] / (std::sqrt(v[j]) / bc2_sqrt + eps);
      }
    }
  }

  NamedTensorRefs state() override {
    NamedTensorRefs out;
    m_.add_refs(out);
    v_.add_refs(out);
    return out;
  }
  void load_state(const TensorFile& file, const std::vector<nn::Param*>& params, int64_t steps) override {
    if (steps > 0) {
      m_.load(file, params, ".m");
      v_.load(file, params, ".v");
    } else {
      m_.tensors.clear();
      v_.tensors.clear();
    }
    steps_ = steps;
  }
  void reset() override {
    m_.tensors.clear();
    v_.tensors.clear();
    steps_ = 0;
  }

 private:
  OptimizerOptions o_;
  Slots m_, v_;
};

}  // namespace

void validate(const OptimizerOptions& o) {
  FAASDL_CHECK(o.type == "sgd" || o.type == "adam", "--optimizer must be sgd or adam, got '", o.type, "'");
  FAASDL_CHECK(o.lr > 0.0f && std::isfinite(o.lr), "--lr must be a positive number, got ", o.lr);
  FAASDL_CHECK(o.momentum >= 0.0f && o.momentum < 1.0f, "--momentum must be in [0, 1), got ", o.momentum);
  FAASDL_CHECK(!o.nesterov || o.momentum > 0.0f, "--nesterov needs --momentum > 0");
  FAASDL_CHECK(o.weight_decay >= 0.0f, "--weight-decay must be >= 0, got ", o.weight_decay);
  FAASDL_CHECK(o.beta1 >= 0.0f && o.beta1 < 1.0f && o.beta2 >= 0.0f && o.beta2 < 1.0f, "Adam betas must be in [0, 1)");
  FAASDL_CHECK(o.eps > 0.0f, "Adam eps must be > 0");
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& options) {
  validate(options);
  if (options.type == "sgd") return std::make_unique<Sgd>(options);
  return std::make_unique<Adam>(options);
}

void validate(const ScheduleOptions& s) {
  FAASDL_CHECK(s.type == "constant" || s.type == "step" || s.type == "cosine",
               "--lr-schedule must be constant, step or cosine, got '", s.type, "'");
  FAASDL_CHECK(s.step_epochs >= 1, "--lr-step-epochs must be >= 1");
  FAASDL_CHECK(s.gamma > 0.0f, "--lr-gamma must be > 0");
  FAASDL_CHECK(s.total_epochs >= 1, "cosine schedule needs total epochs >= 1");
}

float learning_rate(const ScheduleOptions& s, float base_lr, double progress) {
  if (s.type == "step") {
    const int drops = static_cast<int>(std::floor(progress)) / s.step_epochs;
    return base_lr * std::pow(s.gamma, static_cast<float>(drops));
  }
  if (s.type == "cosine") {
    const double t = std::min(progress / static_cast<double>(s.total_epochs), 1.0);
    return static_cast<float>(s.min_lr + 0.5 * (base_lr - s.min_lr) * (1.0 + std::cos(M_PI * t)));
  }
  return base_lr;
}

}  // namespace faasdl::optim
