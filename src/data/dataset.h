// Image data sets in memory and the readers that load them.
//
// Specs understood by load_dataset:
//   fashion-mnist       Debian's dataset-fashion-mnist IDX files in /usr/share/datasets/fashion-mnist
//   idx:DIR             {train,t10k}-{images-idx3,labels-idx1}-ubyte, gzipped (.gz) or raw
//   cifar10:DIR         CIFAR-10 binary: data_batch_{1..5}.bin + test_batch.bin (records of one label
//                       byte and 3072 channel-planar R,G,B bytes); DIR or DIR/cifar-10-batches-bin;
//                       class names from batches.meta.txt when present
//   imagefolder:DIR     DIR/<class>/*.{jpg,jpeg,png}, classes sorted by name; DIR/train and DIR/test
//                       are the two splits when both exist, otherwise a seeded, stratified fraction
//                       of each class is held out as the test split
// Every reader throws faasdl::Error naming the file and the problem on bad input.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace faasdl::data {

// Images of one split, kept as uint8 (a quarter of the memory of float), NCHW planar.
struct ImageSet {
  int64_t n = 0;                         // number of images
  int c = 0, h = 0, w = 0;               // channels (1 gray or 3 RGB), height, width
  std::vector<uint8_t> pixels;           // n*c*h*w bytes; image i starts at i*image_size()
  std::vector<int32_t> labels;           // n labels in [0, num_classes)
  int num_classes = 0;                   //
  std::vector<std::string> class_names;  // num_classes names, or empty when unknown

  int64_t image_size() const { return int64_t{c} * h * w; }
  const uint8_t* image(int64_t i) const { return pixels.data() + i * image_size(); }
};

struct DataSplits {
  ImageSet train, test;
  std::string name;  // the spec it was loaded from, for reports
};

struct LoadOptions {
  // Keep only this many training samples; 0 keeps all. IDX and CIFAR files: the first N records.
  // Image folders: a class-balanced choice (the first file of every class, then the second, ...),
  // so a small limit still covers every class; only the chosen files are decoded.
  int64_t limit = 0;
  // The same for the test split.
  int64_t test_limit = 0;
  // Image folders without train/ and test/: fraction of every class held out as the test split.
  double holdout = 1.0 / 6.0;
  // Seeds the holdout choice.
  uint64_t seed = 0;
  // Image folders: 0 keeps the channels the files have (all must agree), 1 converts every image
  // to grayscale, 3 to RGB.
  int channels = 0;
  // Image folders: decoding threads; 0 uses every hardware thread.
  int threads = 0;
};

// Loads the train and test splits named by spec (see the top of this file).
DataSplits load_dataset(const std::string& spec, const LoadOptions& opts = {});

// The images at `indices`, in that order (indices may repeat); throws on an index out of range.
ImageSet subset(const ImageSet& set, std::span<const int64_t> indices);

// Checks that sizes, pixel and label counts and label ranges agree; throws Error naming `what`.
void validate(const ImageSet& set, const std::string& what);

// Writes the splits as CIFAR-10 binary into out_dir: data_batch_1..5.bin (the training split cut
// into five equal parts in order, the last taking the remainder), test_batch.bin and
// batches.meta.txt (one class name per line). Only 3x32x32 sets with at most 256 classes can be
// written. Every file is written atomically.
void write_cifar10_binary(const DataSplits& splits, const std::string& out_dir);

}  // namespace faasdl::data
