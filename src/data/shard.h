// The binary shard format: one ImageSet as a single blob, for the store.
//
// All integers little-endian. Header, 72 bytes:
//   offset  size  field
//        0     8  magic "FDLSHRD1"
//        8     4  u32 version = 1
//       12     4  u32 header size = 72
//       16     8  u64 n, number of images
//       24     4  u32 c (channels)
//       28     4  u32 h
//       32     4  u32 w
//       36     4  u32 num_classes
//       40     1  u8  pixel dtype = 1 (uint8)
//       41     1  u8  label dtype = 2 (int32)
//       42     2  u16 reserved = 0
//       44     4  u32 names size in bytes
//       48     8  u64 pixel size in bytes = n*c*h*w
//       56     8  u64 label size in bytes = 4*n
//       64     4  u32 reserved = 0
//       68     4  u32 CRC-32 (zlib) of header bytes [0, 68) followed by the whole payload
// Payload, right after the header:
//   pixels  n*c*h*w bytes, NCHW planar
//   labels  n int32, each in [0, num_classes)
//   names   class names joined by '\n' (empty when the set has none)
#pragma once

#include <string>
#include <string_view>

#include "data/dataset.h"

namespace faasdl::data {

std::string encode_shard(const ImageSet& set);

// Parses and validates a shard; throws Error("<what>: ...") on truncation, trailing bytes, a bad
// magic, version or dtype, inconsistent sizes, a checksum mismatch or a label out of range.
ImageSet decode_shard(std::string_view bytes, std::string_view what);

}  // namespace faasdl::data
