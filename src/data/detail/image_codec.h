// JPEG (libjpeg-turbo) and PNG (libpng) decoding to 8-bit pixels. Internal to the data layer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace faasdl::data::detail {

// An image as interleaved 8-bit samples (row-major, channels last), 1 (gray) or 3 (RGB) channels.
struct DecodedImage {
  int c = 0, h = 0, w = 0;
  std::vector<uint8_t> hwc;
};

// Decodes JPEG or PNG bytes, recognised by their signature, into out (whose buffer is reused).
// PNG alpha is dropped, palettes expand to RGB and 16-bit samples keep their high byte; gamma and
// colour profiles are ignored, as most image libraries used for training do. Any libjpeg error
// or warning and any libpng error raise Error("<what>: ...").
void decode_image(std::string_view bytes, const std::string& what, DecodedImage& out);

// Writes img as planar CHW into dst with `channels` channels: the same as img.c, or converted
// (gray to RGB by copying, RGB to gray with the ITU-R 601 luma weights).
void to_planar(const DecodedImage& img, int channels, uint8_t* dst);

}  // namespace faasdl::data::detail
