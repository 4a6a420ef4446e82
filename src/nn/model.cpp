#include "nn/model.h"

#include <cstdio>
#include <filesystem>

#include "core/clock.h"
#include "core/fs.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/strings.h"
#include "nn/layers.h"

namespace faasdl::nn {
namespace {

Json conv(int filters) {
  return {{"type", "conv2d"}, {"filters", filters}, {"kernel", 3}, {"padding", "same"}, {"activation", "relu"}};
}

Json cnn(const std::string& name, int hidden) {
  return {{"name", name},
          {"layers",
           {conv(32), conv(32), {{"type", "maxpool2d"}, {"pool", 2}}, conv(64), conv(64),
            {{"type", "maxpool2d"}, {"pool", 2}}, {{"type", "flatten"}},
            {{"type", "dense"}, {"units", hidden}, {"activation", "relu"}},
            {{"type", "dense"}, {"units", 10}, {"activation", "softmax"}}}}};
}

std::string keras_name(const std::string& type, std::map<std::string, int>& counts) {
  std::string base = to_lower(type);
  if (base == "maxpooling2d") base = "max_pooling2d";
  const int k = counts[base]++;
  return k == 0 ? base : base + "_" + std::to_string(k);
}

}  // namespace

Json builtin_model_spec(const std::string& name) {
  if (name == "seed-cnn") return cnn("seed-cnn", 32);
  if (name == "wide-cnn") return cnn("wide-cnn", 1024);
  if (name == "mlp") {
    return {{"name", "mlp"},
            {"layers",
             {{{"type", "flatten"}},
              {{"type", "dense"}, {"units", 64}, {"activation", "relu"}},
              {{"type", "dense"}, {"units", 10}, {"activation", "softmax"}}}}};
  }
  fail("unknown model '", name, "' (built-in: seed-cnn, wide-cnn, mlp; or a path to a JSON spec)");
}

std::vector<std::string> builtin_model_names() { return {"seed-cnn", "wide-cnn", "mlp"}; }

Json resolve_model_spec(const std::string& name_or_path) {
  if (name_or_path.find('/') != std::string::npos || name_or_path.ends_with(".json")) {
    return parse_json(read_file(name_or_path), name_or_path);
  }
  return builtin_model_spec(name_or_path);
}

Model::Model(const Json& spec, const Shape& input) : spec_(spec), input_(input) {
  const Json* layers = &spec;
  if (spec.is_object()) {
    name_ = json_get_or<std::string>(spec, "name", "model", "model spec");
    FAASDL_CHECK(spec.contains("layers"), "model spec: missing field 'layers'");
    layers = &spec.at("layers");
  } else {
    name_ = "model";
  }
  FAASDL_CHECK(layers->is_array() && !layers->empty(), "model spec: 'layers' must be a non-empty list");
  FAASDL_CHECK(input.size() == 3 && shape_numel(input) > 0, "model input must be [C, H, W], got ", shape_str(input));
  std::map<std::string, int> counts;
  Shape shape = input;
  for (size_t i = 0; i < layers->size(); ++i) {
    const std::string what = str_cat("model spec layer ", i);
    auto layer = make_layer((*layers)[i], what);
    layer->set_name(keras_name(layer->type(), counts));
    shape = layer->build(shape);
    shapes_.push_back(shape);
    layers_.push_back(std::move(layer));
  }
  FAASDL_CHECK(shapes_.back().size() == 1, "model spec: the last layer must output class scores [K], got ",
               shape_str(shapes_.back()));
  acts_.resize(layers_.size());
  grads_.resize(layers_.size());
  set_backend(backend::get_backend("cpu"));
}

void Model::set_backend(backend::Backend& b) {
  backend_ = &b;
  for (auto& l : layers_) l->set_backend(&b);
}

void Model::init(uint64_t seed) {
  for (size_t i = 0; i < layers_.size(); ++i) {
    Rng rng(mix_seed(seed, 0x1a7e5, i));
    layers_[i]->init(rng);
  }
}

const Tensor& Model::forward(const Tensor& x, bool training) {
  FAASDL_CHECK(x.rank() == 4 && Shape(x.shape().begin() + 1, x.shape().end()) == input_, name_, ": input ",
               shape_str(x.shape()), " does not match the model's [N, ", input_[0], ", ", input_[1], ", ",
               input_[2], "]");
  last_input_ = &x;
  const Tensor* in = &x;
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (profiling_) {
      Stopwatch clock;
      layers_[i]->forward(*in, acts_[i], training);
      timings_[i].forward_ms += clock.ms();
      timings_[i].calls += 1;
    } else {
      layers_[i]->forward(*in, acts_[i], training);
    }
    in = &acts_[i];
  }
  return acts_.back();
}

void Model::backward(const Tensor& dlogits) {
  FAASDL_CHECK(last_input_ != nullptr, name_, ": backward before forward");
  const Tensor* dy = &dlogits;
  for (size_t i = layers_.size(); i-- > 0;) {
    const Tensor& x = i > 0 ? acts_[i - 1] : *last_input_;
    Tensor* dx = i > 0 ? &grads_[i - 1] : nullptr;
    if (profiling_) {
      Stopwatch clock;
      layers_[i]->backward(x, acts_[i], *dy, dx);
      timings_[i].backward_ms += clock.ms();
    } else {
      layers_[i]->backward(x, acts_[i], *dy, dx);
    }
    dy = dx;
  }
}

void Model::set_profiling(bool on) {
  profiling_ = on;
  timings_.clear();
  for (const auto& l : layers_) timings_.push_back({l->name(), l->type(), 0, 0, 0});
}

void Model::reseed_dropout(uint64_t seed) {
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (auto* d = dynamic_cast<Dropout*>(layers_[i].get())) d->reseed(mix_seed(seed, 0xd409, i));
  }
}

std::vector<Param*> Model::params() {
  std::vector<Param*> out;
  for (auto& l : layers_)
    for (auto* p : l->params()) out.push_back(p);
  return out;
}

int64_t Model::num_params() const {
  int64_t n = 0;
  for (const auto& l : layers_)
    for (auto* p : l->params()) n += p->value.numel();
  return n;
}

double Model::forward_flops_per_sample() const {
  double flops = 0.0;
  Shape in = input_;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Shape& out = shapes_[i];
    const std::string type = layers_[i]->type();
    if (type == "Conv2D") {
      const double k = static_cast<double>(layers_[i]->params()[0]->value.dim(2));
      flops += 2.0 * static_cast<double>(shape_numel(out)) * static_cast<double>(in[0]) * k * k;
    } else if (type == "Dense") {
      flops += 2.0 * static_cast<double>(in[0]) * static_cast<double>(out[0]);
    }
    in = out;
  }
  return flops;
}

std::string Model::summary() const {
  std::string out;
  char line[160];
  const std::string rule(65, '_'), heavy(65, '=');
  out += str_cat("Model: \"", name_, "\"\n", rule, "\n");
  std::snprintf(line, sizeof line, " %-32s %-22s %10s\n", "Layer (type)", "Output Shape", "Param #");
  out += line + heavy + "\n";
  int64_t total = 0;
  for (size_t i = 0; i < layers_.size(); ++i) {
    int64_t n = 0;
    for (auto* p : layers_[i]->params()) n += p->value.numel();
    total += n;
    std::string shape = "(None";
    for (auto d : shapes_[i]) shape += ", " + std::to_string(d);
    shape += ")";
    const std::string layer = layers_[i]->name() + " (" + layers_[i]->type() + ")";
    std::snprintf(line, sizeof line, " %-32s %-22s %10s\n", layer.c_str(), shape.c_str(), with_commas(n).c_str());
    out += line;
    out += (i + 1 < layers_.size() ? "\n" : "");
  }
  out += heavy + "\n";
  out += str_cat("Total params: ", with_commas(total), "\nTrainable params: ", with_commas(total),
                 "\nNon-trainable params: 0\n", rule, "\n");
  out += str_cat("Input (None, ", input_[0], ", ", input_[1], ", ", input_[2],
                 "); shapes are channels-first (N, C, H, W)\n");
  return out;
}

NamedTensorRefs Model::named_weights() {
  NamedTensorRefs out;
  for (auto* p : params()) out.emplace_back(p->name, &p->value);
  return out;
}

void Model::load_weights(const TensorFile& file, const std::string& what) {
  for (auto* p : params()) {
    const Tensor* t = file.find(p->name);
    FAASDL_CHECK(t != nullptr, what, ": missing tensor '", p->name, "'");
    FAASDL_CHECK(t->shape() == p->value.shape(), what, ": tensor '", p->name, "' has shape ", shape_str(t->shape()),
                 ", the model needs ", shape_str(p->value.shape()));
    std::copy(t->data(), t->data() + t->numel(), p->value.data());
  }
}

}  // namespace faasdl::nn
