// Tensors in the safetensors format (https://huggingface.co/docs/safetensors): an 8-byte
// little-endian header length, a JSON header {name: {dtype, shape, data_offsets}, "__metadata__":
// {str: str}}, then the raw little-endian data. Loadable by Python's safetensors and PyTorch.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace faasdl {

struct TensorFile {
  std::vector<std::pair<std::string, Tensor>> tensors;  // in file order
  std::map<std::string, std::string> metadata;

  const Tensor* find(const std::string& name) const;
};

using NamedTensorRefs = std::vector<std::pair<std::string, const Tensor*>>;

// Serialises F32 tensors; names must be unique.
std::string encode_safetensors(const NamedTensorRefs& tensors, const std::map<std::string, std::string>& metadata = {});
// Parses and validates (header bounds, offsets, dtype F32, shapes vs sizes); `what` names the
// source in errors.
TensorFile decode_safetensors(std::string_view bytes, std::string_view what);

// Atomic write (temp file + rename) and read of a .safetensors file.
void save_safetensors(const std::string& path, const NamedTensorRefs& tensors,
                      const std::map<std::string, std::string>& metadata = {});
TensorFile load_safetensors(const std::string& path);

}  // namespace faasdl
