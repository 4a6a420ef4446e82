// Turning an ImageSet into training batches: normalisation, augmentation, epoch order and
// class-stratified shards for data-parallel workers. Everything random is seeded: the same
// (seed, epoch) gives the same order, shards and augmented pixels on every machine.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/rng.h"
#include "data/dataset.h"
#include "tensor/tensor.h"

namespace faasdl::data {

// Per-channel mean and standard deviation of pixel/255. Empty vectors mean "only scale to [0,1]".
struct Normalizer {
  std::vector<float> mean;  // one per channel
  std::vector<float> std;   // one per channel, > 0
};

// Mean and population standard deviation of every channel over the whole set (a constant
// channel gets std 1 so that normalising never divides by zero).
Normalizer compute_normalizer(const ImageSet& set);

struct Augment {
  // Random crop: pad every side with `pad` black pixels, then crop an h x w window at a uniformly
  // chosen offset (torchvision's RandomCrop(size, padding)). 0 disables it.
  int pad = 0;
  // Mirror left-right with probability 1/2.
  bool flip = false;

  bool enabled() const { return pad > 0 || flip; }
};

// Fills x with the images at `indices` as float [b, c, h, w], (pixel/255 - mean) / std, and y
// with their labels. With augmentation on, rng must be non-null; per sample it draws the crop
// offset (y then x) and then the flip, so the result depends only on the rng state.
void fill_batch(const ImageSet& set, std::span<const int64_t> indices, const Normalizer& norm, const Augment& augment,
                Rng* rng, Tensor& x, std::vector<int32_t>& y);

// The order to visit n samples in epoch `epoch`: 0..n-1 without shuffle, otherwise a
// permutation that depends only on (seed, epoch).
std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int epoch, bool shuffle);

// Splits samples 0..labels.size()-1 into num_shards class-stratified shards: each class's
// samples are dealt round-robin, continuing the deal from class to class, so in every shard each
// class count differs by at most one from the other shards, and so do the shard sizes.
// shuffle=true shuffles each class before dealing and each shard after, from (seed, epoch);
// shuffle=false gives the same ascending shards in every epoch.
std::vector<std::vector<int64_t>> make_shards(const std::vector<int32_t>& labels, int num_classes, int num_shards,
                                              uint64_t seed, int epoch, bool shuffle);

}  // namespace faasdl::data
