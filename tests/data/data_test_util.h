// Helpers for the data tests: a temporary directory and writers for tiny PNG, JPEG and IDX files.
#pragma once

#include <gtest/gtest.h>
#include <png.h>
#include <stdlib.h>
#include <zlib.h>

// clang-format off
#include <cstdio>
#include <jpeglib.h>
// clang-format on

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/status.h"

namespace faasdl::data::testing {

// A fresh directory under the system temp dir, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "faasdl-data-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Deterministic pixels (interleaved HWC), different for every `seed`.
inline std::vector<uint8_t> pattern(int c, int h, int w, int seed) {
  std::vector<uint8_t> px(static_cast<size_t>(c * h * w));
  uint32_t x = 2463534242u + static_cast<uint32_t>(seed) * 7919u;
  for (auto& p : px) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    p = static_cast<uint8_t>(x >> 24);
  }
  return px;
}

// Smooth pixels that survive JPEG compression closely.
inline std::vector<uint8_t> gradient(int c, int h, int w, int seed) {
  std::vector<uint8_t> px(static_cast<size_t>(c * h * w));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int ch = 0; ch < c; ++ch)
        px[static_cast<size_t>((y * w + x) * c + ch)] =
            static_cast<uint8_t>((seed * 40 + x * 3 + y * 2 + ch * 50) % 256);
  return px;
}

// HWC -> CHW, the layout of ImageSet.
inline std::vector<uint8_t> to_chw(const std::vector<uint8_t>& hwc, int c, int h, int w) {
  std::vector<uint8_t> out(hwc.size());
  for (int ch = 0; ch < c; ++ch)
    for (int i = 0; i < h * w; ++i) out[static_cast<size_t>(ch * h * w + i)] = hwc[static_cast<size_t>(i * c + ch)];
  return out;
}

// c = 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA).
inline void write_png(const std::string& path, int c, int h, int w, const std::vector<uint8_t>& hwc) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(w);
  image.height = static_cast<png_uint_32>(h);
  image.format = c == 1 ? PNG_FORMAT_GRAY : c == 2 ? PNG_FORMAT_GA : c == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_RGBA;
  if (!png_image_write_to_file(&image, path.c_str(), 0, hwc.data(), 0, nullptr)) {
    throw std::runtime_error("png write failed: " + std::string(image.message));
  }
}

// c = 1 (gray) or 3 (RGB).
inline void write_jpeg(const std::string& path, int c, int h, int w, const std::vector<uint8_t>& hwc,
                       int quality = 95) {
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr err{};
  cinfo.err = jpeg_std_error(&err);
  jpeg_create_compress(&cinfo);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buf, &size);
  cinfo.image_width = static_cast<JDIMENSION>(w);
  cinfo.image_height = static_cast<JDIMENSION>(h);
  cinfo.input_components = c;
  cinfo.in_color_space = c == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(hwc.data() + static_cast<size_t>(cinfo.next_scanline) * w * c);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::string bytes(reinterpret_cast<char*>(buf), size);
  std::free(buf);
  write_bytes(path, bytes);
}

inline std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// An IDX file: magic, the dims, then data; gzipped when gz.
inline void write_idx(const std::string& path, uint32_t magic, std::initializer_list<uint32_t> dims,
                      const std::vector<uint8_t>& data, bool gz) {
  std::string bytes = be32(magic);
  for (uint32_t d : dims) bytes += be32(d);
  bytes.append(data.begin(), data.end());
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  if (!gz) return write_bytes(path, bytes);
  gzFile f = gzopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("gzopen failed: " + path);
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

// Runs fn and expects a faasdl::Error whose message contains every one of `parts`.
inline void expect_error(const std::function<void()>& fn, std::initializer_list<std::string> parts) {
  try {
    fn();
  } catch (const faasdl::Error& e) {
    const std::string msg = e.what();
    for (const auto& part : parts) EXPECT_NE(msg.find(part), std::string::npos) << "'" << part << "' not in: " << msg;
    return;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected faasdl::Error, got another exception: " << e.what();
    return;
  }
  ADD_FAILURE() << "expected faasdl::Error, nothing was thrown";
}

}  // namespace faasdl::data::testing
