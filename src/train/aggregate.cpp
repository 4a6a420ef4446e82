#include "train/aggregate.h"

#include <algorithm>

#include "core/status.h"
#include "core/strings.h"
#include "tensor/safetensors.h"

namespace faasdl::train {

std::string weighted_average(const std::vector<std::string>& blobs, const std::vector<double>& weights,
                             const std::vector<std::string>& names) {
  FAASDL_CHECK(!blobs.empty() && blobs.size() == weights.size() && names.size() == blobs.size(),
               "weighted_average: ", blobs.size(), " blobs, ", weights.size(), " weights");
  double total = 0;
  for (double w : weights) {
    FAASDL_CHECK(w >= 0, "weighted_average: negative weight ", w);
    total += w;
  }
  FAASDL_CHECK(total > 0, "weighted_average: the weights sum to zero");
  std::vector<TensorFile> files;
  files.reserve(blobs.size());
  for (size_t i = 0; i < blobs.size(); ++i) files.push_back(decode_safetensors(blobs[i], names[i]));
  TensorFile& first = files[0];
  int64_t max_steps = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    FAASDL_CHECK(files[i].tensors.size() == first.tensors.size(), names[i], " holds ", files[i].tensors.size(),
                 " tensors, ", names[0], " holds ", first.tensors.size());
    auto it = files[i].metadata.find("optimizer_steps");
    if (it != files[i].metadata.end()) max_steps = std::max(max_steps, parse_int(it->second, names[i]));
  }
  std::vector<double> acc;
  NamedTensorRefs refs;
  std::vector<Tensor> out(first.tensors.size());
  for (size_t t = 0; t < first.tensors.size(); ++t) {
    const auto& [name, ref] = first.tensors[t];
    acc.assign(static_cast<size_t>(ref.numel()), 0.0);
    for (size_t i = 0; i < files.size(); ++i) {
      const Tensor* x = files[i].find(name);
      FAASDL_CHECK(x != nullptr && x->shape() == ref.shape(), names[i], ": tensor '", name,
                   "' is missing or has another shape");
      const double a = weights[i] / total;
      for (int64_t j = 0; j < x->numel(); ++j) acc[static_cast<size_t>(j)] += a * static_cast<double>((*x)[j]);
    }
    out[t] = Tensor(ref.shape());
    for (int64_t j = 0; j < ref.numel(); ++j) out[t][j] = static_cast<float>(acc[static_cast<size_t>(j)]);
    refs.emplace_back(name, &out[t]);
  }
  auto metadata = first.metadata;
  metadata["optimizer_steps"] = std::to_string(max_steps);
  return encode_safetensors(refs, metadata);
}

}  // namespace faasdl::train
