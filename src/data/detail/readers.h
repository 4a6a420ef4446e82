// The readers behind load_dataset, and file helpers shared by them. Internal to the data layer.
#pragma once

#include <string>

#include "data/dataset.h"

namespace faasdl::data::detail {

// Reads a whole file into out (reusing its capacity); throws Error("<path>: ...").
void read_bytes(const std::string& path, std::string& out);

// `names` (optional) become the class names; num_classes is their count when given, otherwise
// one more than the largest label of both splits.
DataSplits load_idx(const std::string& dir, const LoadOptions& opts, const std::vector<std::string>& names);
DataSplits load_cifar10(const std::string& dir, const LoadOptions& opts);
DataSplits load_image_folder(const std::string& dir, const LoadOptions& opts);

}  // namespace faasdl::data::detail
