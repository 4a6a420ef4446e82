#include "train/checkpoint.h"

#include "core/fs.h"
#include "core/status.h"
#include "core/strings.h"

namespace faasdl::train {
namespace {
constexpr const char* kOptimPrefix = "optim/";
}

std::string encode_checkpoint(nn::Model& model, optim::Optimizer& optimizer, const CheckpointInfo& info) {
  NamedTensorRefs tensors = model.named_weights();
  std::vector<std::string> names;  // keep prefixed names alive
  const auto state = optimizer.state();
  names.reserve(state.size());
  for (const auto& [name, t] : state) names.push_back(kOptimPrefix + name);
  for (size_t i = 0; i < state.size(); ++i) tensors.emplace_back(names[i], state[i].second);
  return encode_safetensors(tensors, {{"format", "faasdl-checkpoint-1"},
                                      {"epochs_done", std::to_string(info.epochs_done)},
                                      {"optimizer_steps", std::to_string(info.optimizer_steps)},
                                      {"model", model.name()}});
}

CheckpointInfo decode_checkpoint(std::string_view bytes, const std::string& what, nn::Model& model,
                                 optim::Optimizer& optimizer) {
  TensorFile file = decode_safetensors(bytes, what);
  model.load_weights(file, what);
  CheckpointInfo info;
  auto meta = [&](const char* key) -> int64_t {
    auto it = file.metadata.find(key);
    FAASDL_CHECK(it != file.metadata.end(), what, ": metadata '", key, "' missing (not a faasdl checkpoint?)");
    return parse_int(it->second, str_cat(what, " metadata ", key));
  };
  info.epochs_done = static_cast<int>(meta("epochs_done"));
  info.optimizer_steps = meta("optimizer_steps");
  TensorFile state;
  for (auto& [name, t] : file.tensors) {
    if (starts_with(name, kOptimPrefix)) state.tensors.emplace_back(name.substr(6), std::move(t));
  }
  optimizer.load_state(state, model.params(), info.optimizer_steps);
  return info;
}

void save_checkpoint(const std::string& dir, nn::Model& model, optim::Optimizer& optimizer, const CheckpointInfo& info) {
  save_safetensors(dir + "/weights.safetensors", model.named_weights(),
                   {{"epochs_done", std::to_string(info.epochs_done)}, {"model", model.name()}});
  write_file_atomic(dir + "/checkpoint.safetensors", encode_checkpoint(model, optimizer, info));
}

CheckpointInfo load_checkpoint(const std::string& dir, nn::Model& model, optim::Optimizer& optimizer) {
  const std::string path = dir + "/checkpoint.safetensors";
  FAASDL_CHECK(file_exists(path), path, ": no checkpoint to resume from");
  return decode_checkpoint(read_file(path), path, model, optimizer);
}

}  // namespace faasdl::train
