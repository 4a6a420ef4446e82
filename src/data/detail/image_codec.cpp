#include "data/detail/image_codec.h"

// clang-format off
#include <cstdio>  // jpeglib.h needs FILE and size_t first
#include <jpeglib.h>
// clang-format on
#include <png.h>

#include <csetjmp>
#include <cstring>

#include "core/status.h"

namespace faasdl::data::detail {
namespace {

// ---- JPEG ----------------------------------------------------------------------------------
// libjpeg reports errors through error_exit, whose default calls exit(). Ours formats the
// message and longjmps back to decode_jpeg_steps, which runs no C++ destructors between its
// setjmp and the libjpeg calls; the C++ error is raised only after the jump has landed.

struct JpegState {
  jpeg_decompress_struct cinfo;
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

extern "C" void jpeg_error_exit_longjmp(j_common_ptr cinfo) {
  auto* st = static_cast<JpegState*>(cinfo->client_data);
  (*cinfo->err->format_message)(cinfo, st->message);
  std::longjmp(st->jump, 1);
}

// Warnings (level -1: corrupt or truncated data that libjpeg would paper over with gray) are
// fatal too: a training set should not silently contain damaged images. Trace messages are
// dropped. Nothing is printed.
extern "C" void jpeg_emit_message_strict(j_common_ptr cinfo, int level) {
  if (level < 0) jpeg_error_exit_longjmp(cinfo);
}

extern "C" void jpeg_output_message_silent(j_common_ptr) {}

// Returns false when libjpeg reported an error (message in st.message).
bool decode_jpeg_steps(JpegState& st, std::string_view bytes, DecodedImage& out) {
  if (setjmp(st.jump)) return false;
  jpeg_create_decompress(&st.cinfo);
  st.cinfo.client_data = &st;
  jpeg_mem_src(&st.cinfo, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  jpeg_read_header(&st.cinfo, TRUE);
  if (st.cinfo.jpeg_color_space == JCS_CMYK || st.cinfo.jpeg_color_space == JCS_YCCK) {
    std::snprintf(st.message, sizeof st.message, "CMYK JPEG images are not supported");
    return false;
  }
  st.cinfo.out_color_space = st.cinfo.jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&st.cinfo);
  out.c = st.cinfo.output_components;
  out.h = static_cast<int>(st.cinfo.output_height);
  out.w = static_cast<int>(st.cinfo.output_width);
  const size_t stride = static_cast<size_t>(out.w) * static_cast<size_t>(out.c);
  out.hwc.resize(stride * static_cast<size_t>(out.h));
  while (st.cinfo.output_scanline < st.cinfo.output_height) {
    JSAMPROW row = out.hwc.data() + stride * st.cinfo.output_scanline;
    jpeg_read_scanlines(&st.cinfo, &row, 1);
  }
  jpeg_finish_decompress(&st.cinfo);
  return true;
}

void decode_jpeg(std::string_view bytes, const std::string& what, DecodedImage& out) {
  JpegState st;
  std::memset(&st, 0, sizeof st);
  st.cinfo.err = jpeg_std_error(&st.mgr);
  st.cinfo.client_data = &st;
  st.mgr.error_exit = jpeg_error_exit_longjmp;
  st.mgr.emit_message = jpeg_emit_message_strict;
  st.mgr.output_message = jpeg_output_message_silent;
  const bool ok = decode_jpeg_steps(st, bytes, out);
  jpeg_destroy_decompress(&st.cinfo);
  if (!ok) fail(what, ": corrupt or unsupported JPEG (", st.message, ")");
}

// ---- PNG -----------------------------------------------------------------------------------
// The same pattern: libpng's error callback must not return, so it longjmps to the setjmp in
// decode_png_steps; warnings (for example about colour profiles) are ignored.

struct PngState {
  png_structp png = nullptr;
  png_infop info = nullptr;
  std::string_view bytes;
  size_t pos = 0;
  std::vector<png_bytep> rows;
  char message[256] = {};
};

extern "C" void png_error_longjmp(png_structp png, png_const_charp msg) {
  auto* st = static_cast<PngState*>(png_get_error_ptr(png));
  std::snprintf(st->message, sizeof st->message, "%s", msg ? msg : "unknown error");
  png_longjmp(png, 1);
}

extern "C" void png_warning_silent(png_structp, png_const_charp) {}

extern "C" void png_read_from_memory(png_structp png, png_bytep data, size_t length) {
  auto* st = static_cast<PngState*>(png_get_io_ptr(png));
  if (length > st->bytes.size() - st->pos) png_error(png, "file ends early (truncated)");
  std::memcpy(data, st->bytes.data() + st->pos, length);
  st->pos += length;
}

bool decode_png_steps(PngState& st, DecodedImage& out) {
  if (setjmp(png_jmpbuf(st.png))) return false;
  png_set_read_fn(st.png, &st, png_read_from_memory);
  png_read_info(st.png, st.info);
  const int color_type = png_get_color_type(st.png, st.info);
  const int bit_depth = png_get_bit_depth(st.png, st.info);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(st.png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(st.png);
  if (bit_depth == 16) png_set_strip_16(st.png);
  if (color_type & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(st.png);
  png_set_interlace_handling(st.png);
  png_read_update_info(st.png, st.info);
  out.c = png_get_channels(st.png, st.info);
  out.h = static_cast<int>(png_get_image_height(st.png, st.info));
  out.w = static_cast<int>(png_get_image_width(st.png, st.info));
  if (out.c != 1 && out.c != 3) png_error(st.png, "unexpected channel count after conversion");
  const size_t stride = static_cast<size_t>(out.w) * static_cast<size_t>(out.c);
  out.hwc.resize(stride * static_cast<size_t>(out.h));
  st.rows.resize(static_cast<size_t>(out.h));
  for (size_t y = 0; y < st.rows.size(); ++y) st.rows[y] = out.hwc.data() + y * stride;
  png_read_image(st.png, st.rows.data());
  png_read_end(st.png, nullptr);
  return true;
}

void decode_png(std::string_view bytes, const std::string& what, DecodedImage& out) {
  PngState st;
  st.bytes = bytes;
  st.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &st, png_error_longjmp, png_warning_silent);
  if (st.png) st.info = png_create_info_struct(st.png);
  if (!st.png || !st.info) {
    png_destroy_read_struct(&st.png, &st.info, nullptr);
    fail(what, ": cannot allocate a PNG decoder");
  }
  const bool ok = decode_png_steps(st, out);
  png_destroy_read_struct(&st.png, &st.info, nullptr);
  if (!ok) fail(what, ": corrupt or unsupported PNG (", st.message, ")");
}

bool has_prefix(std::string_view bytes, std::string_view magic) { return bytes.substr(0, magic.size()) == magic; }

}  // namespace

void decode_image(std::string_view bytes, const std::string& what, DecodedImage& out) {
  static constexpr std::string_view kJpegMagic{"\xFF\xD8\xFF", 3};
  static constexpr std::string_view kPngMagic{"\x89PNG\r\n\x1A\n", 8};
  if (has_prefix(bytes, kJpegMagic)) return decode_jpeg(bytes, what, out);
  if (has_prefix(bytes, kPngMagic)) return decode_png(bytes, what, out);
  if (bytes.empty()) fail(what, ": empty file, not an image");
  fail(what, ": not a JPEG or PNG image (unrecognised signature)");
}

void to_planar(const DecodedImage& img, int channels, uint8_t* dst) {
  const size_t plane = static_cast<size_t>(img.h) * static_cast<size_t>(img.w);
  const uint8_t* src = img.hwc.data();
  if (channels == 0) channels = img.c;
  if (img.c == channels) {
    for (int ch = 0; ch < channels; ++ch) {
      uint8_t* out = dst + static_cast<size_t>(ch) * plane;
      for (size_t i = 0; i < plane; ++i) out[i] = src[i * static_cast<size_t>(channels) + static_cast<size_t>(ch)];
    }
  } else if (img.c == 1 && channels == 3) {
    for (int ch = 0; ch < 3; ++ch) std::memcpy(dst + static_cast<size_t>(ch) * plane, src, plane);
  } else if (img.c == 3 && channels == 1) {
    for (size_t i = 0; i < plane; ++i) {
      const uint32_t r = src[3 * i], g = src[3 * i + 1], b = src[3 * i + 2];
      dst[i] = static_cast<uint8_t>((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
    }
  } else {
    fail("cannot convert an image with ", img.c, " channels to ", channels);
  }
}

}  // namespace faasdl::data::detail
