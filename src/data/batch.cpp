#include "data/batch.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/status.h"

namespace faasdl::data {
namespace {

// Stream tags, so that orders, shards and augmentation never share random numbers.
constexpr uint64_t kOrderTag = 0x6f72646572ULL;  // "order"
constexpr uint64_t kShardTag = 0x7368617264ULL;  // "shard"

// value -> (value/255 - mean) / std for every channel.
std::vector<std::array<float, 256>> make_lut(const Normalizer& norm, int channels) {
  const bool identity = norm.mean.empty() && norm.std.empty();
  FAASDL_CHECK(
      identity || (static_cast<int>(norm.mean.size()) == channels && static_cast<int>(norm.std.size()) == channels),
      "normalizer has ", norm.mean.size(), " means and ", norm.std.size(), " stds for ", channels, " channels");
  std::vector<std::array<float, 256>> lut(static_cast<size_t>(channels));
  for (int ch = 0; ch < channels; ++ch) {
    const float mean = identity ? 0.0f : norm.mean[static_cast<size_t>(ch)];
    const float std = identity ? 1.0f : norm.std[static_cast<size_t>(ch)];
    FAASDL_CHECK(std > 0.0f && std::isfinite(std) && std::isfinite(mean), "normalizer channel ", ch,
                 ": std must be positive and finite, mean finite (mean ", mean, ", std ", std, ")");
    for (int v = 0; v < 256; ++v) lut[static_cast<size_t>(ch)][static_cast<size_t>(v)] = (v / 255.0f - mean) / std;
  }
  return lut;
}

// One image with crop offset (oy, ox) into the padded image and an optional mirror.
void write_augmented(const ImageSet& set, const uint8_t* src, const std::vector<std::array<float, 256>>& lut, int pad,
                     int oy, int ox, bool flip, float* out) {
  const int h = set.h, w = set.w;
  for (int ch = 0; ch < set.c; ++ch) {
    const auto& table = lut[static_cast<size_t>(ch)];
    const uint8_t* plane = src + static_cast<int64_t>(ch) * h * w;
    float* dst = out + static_cast<int64_t>(ch) * h * w;
    for (int y = 0; y < h; ++y) {
      const int sy = y + oy - pad;
      float* row = dst + static_cast<int64_t>(y) * w;
      if (sy < 0 || sy >= h) {
        std::fill(row, row + w, table[0]);
        continue;
      }
      const uint8_t* src_row = plane + static_cast<int64_t>(sy) * w;
      for (int x = 0; x < w; ++x) {
        const int sx = (flip ? w - 1 - x : x) + ox - pad;
        row[x] = (sx >= 0 && sx < w) ? table[src_row[sx]] : table[0];
      }
    }
  }
}

}  // namespace

Normalizer compute_normalizer(const ImageSet& set) {
  FAASDL_CHECK(set.n > 0, "compute_normalizer: the set is empty");
  const int64_t plane = int64_t{set.h} * set.w;
  Normalizer norm;
  for (int ch = 0; ch < set.c; ++ch) {
    std::array<uint64_t, 256> hist{};
    for (int64_t i = 0; i < set.n; ++i) {
      const uint8_t* p = set.image(i) + ch * plane;
      for (int64_t j = 0; j < plane; ++j) ++hist[p[j]];
    }
    double sum = 0.0, sum_sq = 0.0;
    for (int v = 0; v < 256; ++v) {
      const double x = v / 255.0, count = static_cast<double>(hist[static_cast<size_t>(v)]);
      sum += count * x;
      sum_sq += count * x * x;
    }
    const double count = static_cast<double>(set.n * plane);
    const double mean = sum / count;
    const double var = std::max(0.0, sum_sq / count - mean * mean);
    const double std = std::sqrt(var);
    norm.mean.push_back(static_cast<float>(mean));
    norm.std.push_back(std > 1e-6 ? static_cast<float>(std) : 1.0f);
  }
  return norm;
}

void fill_batch(const ImageSet& set, std::span<const int64_t> indices, const Normalizer& norm, const Augment& augment,
                Rng* rng, Tensor& x, std::vector<int32_t>& y) {
  FAASDL_CHECK(augment.pad >= 0 && augment.pad <= std::min(set.h, set.w), "augment: pad ", augment.pad,
               " must be in 0..", std::min(set.h, set.w));
  FAASDL_CHECK(!augment.enabled() || rng != nullptr, "fill_batch: augmentation needs an Rng");
  const auto lut = make_lut(norm, set.c);
  const int64_t b = static_cast<int64_t>(indices.size());
  const int64_t size = set.image_size();
  x.resize({b, set.c, set.h, set.w});
  y.resize(indices.size());
  for (int64_t i = 0; i < b; ++i) {
    const int64_t k = indices[static_cast<size_t>(i)];
    FAASDL_CHECK(k >= 0 && k < set.n, "fill_batch: index ", k, " out of range for a set of ", set.n, " images");
    y[static_cast<size_t>(i)] = set.labels[static_cast<size_t>(k)];
    const uint8_t* src = set.image(k);
    float* out = x.data() + i * size;
    if (!augment.enabled()) {
      const int64_t plane = int64_t{set.h} * set.w;
      for (int ch = 0; ch < set.c; ++ch) {
        const auto& table = lut[static_cast<size_t>(ch)];
        for (int64_t j = ch * plane; j < (ch + 1) * plane; ++j) out[j] = table[src[j]];
      }
      continue;
    }
    const uint64_t span = 2 * static_cast<uint64_t>(augment.pad) + 1;
    const int oy = augment.pad > 0 ? static_cast<int>(rng->below(span)) : 0;
    const int ox = augment.pad > 0 ? static_cast<int>(rng->below(span)) : 0;
    const bool flip = augment.flip && rng->below(2) == 1;
    write_augmented(set, src, lut, augment.pad, oy, ox, flip, out);
  }
}

std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int epoch, bool shuffle) {
  FAASDL_CHECK(n >= 0, "epoch_order: negative sample count ", n);
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
  if (shuffle) {
    Rng rng(mix_seed(seed, kOrderTag, static_cast<uint64_t>(epoch)));
    rng.shuffle(order);
  }
  return order;
}

std::vector<std::vector<int64_t>> make_shards(const std::vector<int32_t>& labels, int num_classes, int num_shards,
                                              uint64_t seed, int epoch, bool shuffle) {
  FAASDL_CHECK(num_shards >= 1, "make_shards: num_shards must be at least 1, got ", num_shards);
  FAASDL_CHECK(num_classes >= 1, "make_shards: num_classes must be at least 1, got ", num_classes);
  FAASDL_CHECK(static_cast<size_t>(num_shards) <= labels.size(), "make_shards: ", num_shards, " shards for only ",
               labels.size(), " samples");
  std::vector<std::vector<int64_t>> by_class(static_cast<size_t>(num_classes));
  for (size_t i = 0; i < labels.size(); ++i) {
    FAASDL_CHECK(labels[i] >= 0 && labels[i] < num_classes, "make_shards: label ", labels[i], " of sample ", i,
                 " is outside 0..", num_classes - 1);
    by_class[static_cast<size_t>(labels[i])].push_back(static_cast<int64_t>(i));
  }
  Rng rng(mix_seed(seed, kShardTag, static_cast<uint64_t>(epoch)));
  std::vector<std::vector<int64_t>> shards(static_cast<size_t>(num_shards));
  size_t next = 0;
  for (auto& members : by_class) {
    if (shuffle) rng.shuffle(members);
    for (int64_t i : members) shards[next++ % shards.size()].push_back(i);
  }
  for (auto& shard : shards) {
    if (shuffle) {
      rng.shuffle(shard);
    } else {
      std::sort(shard.begin(), shard.end());
    }
  }
  return shards;
}

}  // namespace faasdl::data
