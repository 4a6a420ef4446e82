#include "tensor/safetensors.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "core/fs.h"
#include "core/json.h"
#include "core/status.h"

namespace faasdl {

const Tensor* TensorFile::find(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return &t;
  return nullptr;
}

std::string encode_safetensors(const NamedTensorRefs& tensors, const std::map<std::string, std::string>& metadata) {
  Json header = Json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  size_t offset = 0;
  std::set<std::string> seen;
  for (const auto& [name, t] : tensors) {
    FAASDL_CHECK(seen.insert(name).second, "safetensors: duplicate tensor name '", name, "'");
    header[name] = {{"dtype", "F32"}, {"shape", t->shape()}, {"data_offsets", {offset, offset + t->bytes()}}};
    offset += t->bytes();
  }
  std::string head = header.dump();
  // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
  head.append((8 - head.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  uint64_t len = head.size();
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>((len >> (8 * i)) & 0xff);
  out += head;
  out.reserve(out.size() + offset);
  for (const auto& [name, t] : tensors) out.append(reinterpret_cast<const char*>(t->data()), t->bytes());
  return out;
}

TensorFile decode_safetensors(std::string_view bytes, std::string_view what) {
  FAASDL_CHECK(bytes.size() >= 8, what, ": not a safetensors file (", bytes.size(), " bytes)");
  uint64_t len = 0;
  for (int i = 0; i < 8; ++i) len |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[static_cast<size_t>(i)])) << (8 * i);
  FAASDL_CHECK(len <= bytes.size() - 8, what, ": header length ", len, " exceeds file size ", bytes.size());
  const Json header = parse_json(bytes.substr(8, len), std::string(what) + " header");
  FAASDL_CHECK(header.is_object(), what, ": header is not a JSON object");
  const std::string_view data = bytes.substr(8 + len);
  TensorFile file;
  std::vector<std::pair<size_t, std::pair<std::string, Tensor>>> ordered;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") {
      for (const auto& [k, v] : info.items()) {
        FAASDL_CHECK(v.is_string(), what, ": metadata '", k, "' is not a string");
        file.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    const std::string ctx = std::string(what) + " tensor '" + name + "'";
    const auto dtype = json_get<std::string>(info, "dtype", ctx);
    FAASDL_CHECK(dtype == "F32", ctx, ": dtype ", dtype, " is not supported (F32 only)");
    const auto shape = json_get<Shape>(info, "shape", ctx);
    const auto offsets = json_get<std::vector<uint64_t>>(info, "data_offsets", ctx);
    FAASDL_CHECK(offsets.size() == 2 && offsets[0] <= offsets[1] && offsets[1] <= data.size(), ctx,
                 ": data_offsets out of range");
    const int64_t numel = shape_numel(shape);
    FAASDL_CHECK(offsets[1] - offsets[0] == static_cast<uint64_t>(numel) * sizeof(float), ctx, ": shape ",
                 shape_str(shape), " does not match its ", offsets[1] - offsets[0], " bytes");
    Tensor t(shape);
    std::memcpy(t.data(), data.data() + offsets[0], t.bytes());
    ordered.push_back({offsets[0], {name, std::move(t)}});
  }
  std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [off, entry] : ordered) file.tensors.push_back(std::move(entry));
  return file;
}

void save_safetensors(const std::string& path, const NamedTensorRefs& tensors,
                      const std::map<std::string, std::string>& metadata) {
  write_file_atomic(path, encode_safetensors(tensors, metadata));
}

TensorFile load_safetensors(const std::string& path) { return decode_safetensors(read_file(path), path); }

}  // namespace faasdl
