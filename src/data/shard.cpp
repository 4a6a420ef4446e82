#include "data/shard.h"

#include <zlib.h>

#include <cstring>

#include "core/status.h"
#include "core/strings.h"

namespace faasdl::data {
namespace {

constexpr std::string_view kMagic = "FDLSHRD1";
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderSize = 72;
constexpr size_t kCrcOffset = 68;
constexpr uint8_t kDtypeU8 = 1;
constexpr uint8_t kDtypeI32 = 2;

void put_le(char* p, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

uint64_t get_le(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

uint32_t checksum(std::string_view header_part, std::string_view payload) {
  uLong crc = crc32_z(0L, Z_NULL, 0);
  crc = crc32_z(crc, reinterpret_cast<const Bytef*>(header_part.data()), header_part.size());
  crc = crc32_z(crc, reinterpret_cast<const Bytef*>(payload.data()), payload.size());
  return static_cast<uint32_t>(crc);
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    FAASDL_CHECK(names[i].find('\n') == std::string::npos, "encode_shard: class name '", names[i],
                 "' contains a newline");
    out += (i ? "\n" : "") + names[i];
  }
  return out;
}

}  // namespace

std::string encode_shard(const ImageSet& set) {
  validate(set, "encode_shard");
  const std::string names = join_names(set.class_names);
  const uint64_t pixel_bytes = set.pixels.size(), label_bytes = 4 * set.labels.size();
  std::string out(kHeaderSize + pixel_bytes + label_bytes + names.size(), '\0');
  char* h = out.data();
  std::memcpy(h, kMagic.data(), kMagic.size());
  put_le(h + 8, kVersion, 4);
  put_le(h + 12, kHeaderSize, 4);
  put_le(h + 16, static_cast<uint64_t>(set.n), 8);
  put_le(h + 24, static_cast<uint32_t>(set.c), 4);
  put_le(h + 28, static_cast<uint32_t>(set.h), 4);
  put_le(h + 32, static_cast<uint32_t>(set.w), 4);
  put_le(h + 36, static_cast<uint32_t>(set.num_classes), 4);
  h[40] = static_cast<char>(kDtypeU8);
  h[41] = static_cast<char>(kDtypeI32);
  put_le(h + 44, names.size(), 4);
  put_le(h + 48, pixel_bytes, 8);
  put_le(h + 56, label_bytes, 8);
  char* p = h + kHeaderSize;
  std::memcpy(p, set.pixels.data(), pixel_bytes);
  p += pixel_bytes;
  for (int32_t label : set.labels) {
    put_le(p, static_cast<uint32_t>(label), 4);
    p += 4;
  }
  std::memcpy(p, names.data(), names.size());
  const std::string_view all(out);
  put_le(h + kCrcOffset, checksum(all.substr(0, kCrcOffset), all.substr(kHeaderSize)), 4);
  return out;
}

ImageSet decode_shard(std::string_view bytes, std::string_view what) {
  FAASDL_CHECK(bytes.size() >= kHeaderSize, what, ": truncated shard (", bytes.size(), " bytes, the header alone is ",
               kHeaderSize, ")");
  const char* h = bytes.data();
  FAASDL_CHECK(bytes.substr(0, kMagic.size()) == kMagic, what, ": not a shard (bad magic, expected ", kMagic, ")");
  const uint64_t version = get_le(h + 8, 4);
  FAASDL_CHECK(version == kVersion, what, ": unsupported shard version ", version, " (this build reads ", kVersion,
               ")");
  FAASDL_CHECK(get_le(h + 12, 4) == kHeaderSize, what, ": bad header size ", get_le(h + 12, 4));
  FAASDL_CHECK(h[40] == kDtypeU8 && h[41] == kDtypeI32, what, ": unsupported dtypes (pixels ", int{h[40]}, ", labels ",
               int{h[41]}, "; expected ", int{kDtypeU8}, " and ", int{kDtypeI32}, ")");
  const uint64_t n = get_le(h + 16, 8);
  const uint64_t c = get_le(h + 24, 4), height = get_le(h + 28, 4), width = get_le(h + 32, 4);
  const uint64_t num_classes = get_le(h + 36, 4);
  const uint64_t names_bytes = get_le(h + 44, 4), pixel_bytes = get_le(h + 48, 8), label_bytes = get_le(h + 56, 8);
  constexpr uint64_t kMaxDim = 1 << 16;
  FAASDL_CHECK(c >= 1 && c <= 4 && height >= 1 && height <= kMaxDim && width >= 1 && width <= kMaxDim, what,
               ": bad image shape ", c, "x", height, "x", width);
  FAASDL_CHECK(num_classes >= 1 && num_classes <= (1u << 24), what, ": bad class count ", num_classes);
  FAASDL_CHECK(n <= (uint64_t{1} << 40) / (c * height * width), what, ": implausible image count ", n);
  FAASDL_CHECK(pixel_bytes == n * c * height * width && label_bytes == 4 * n, what, ": header sizes disagree (",
               pixel_bytes, " pixel bytes and ", label_bytes, " label bytes for ", n, " images of ", c, "x", height,
               "x", width, ")");
  const uint64_t total = kHeaderSize + pixel_bytes + label_bytes + names_bytes;
  FAASDL_CHECK(bytes.size() >= total, what, ": truncated shard (", bytes.size(), " bytes, header says ", total, ")");
  FAASDL_CHECK(bytes.size() == total, what, ": ", bytes.size() - total, " unexpected bytes after the shard");
  const uint32_t stored = static_cast<uint32_t>(get_le(h + kCrcOffset, 4));
  const uint32_t actual = checksum(bytes.substr(0, kCrcOffset), bytes.substr(kHeaderSize));
  FAASDL_CHECK(stored == actual, what, ": checksum mismatch (corrupt shard)");

  ImageSet set;
  set.n = static_cast<int64_t>(n);
  set.c = static_cast<int>(c);
  set.h = static_cast<int>(height);
  set.w = static_cast<int>(width);
  set.num_classes = static_cast<int>(num_classes);
  const char* p = h + kHeaderSize;
  set.pixels.assign(reinterpret_cast<const uint8_t*>(p), reinterpret_cast<const uint8_t*>(p + pixel_bytes));
  p += pixel_bytes;
  set.labels.resize(n);
  for (uint64_t i = 0; i < n; ++i) set.labels[i] = static_cast<int32_t>(static_cast<uint32_t>(get_le(p + 4 * i, 4)));
  p += label_bytes;
  if (names_bytes > 0) set.class_names = split(std::string_view(p, names_bytes), '\n');
  validate(set, std::string(what));
  return set;
}

}  // namespace faasdl::data
