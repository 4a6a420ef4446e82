// faasdl package: builds the Lambda deployment zip for the provided.al2023 runtime:
//   bootstrap        shell entry point: runs `faasdl worker`
//   bin/faasdl       this binary (stripped)
//   lib/*.so*        the shared libraries it needs (found with ldd)
// glibc and ld-linux are left out when the binary runs on Amazon Linux 2023's glibc (2.34);
// a binary built against a newer glibc (Debian 12: 2.36) gets them bundled and is started
// through the bundled loader (--glibc auto, the default).
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "cli.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strings.h"

namespace fs = std::filesystem;

namespace {

constexpr int kAl2023GlibcMinor = 34;  // Amazon Linux 2023 ships glibc 2.34

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string capture(const std::string& command, int* exit_code) {
  std::string out;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  FAASDL_CHECK(pipe != nullptr, "cannot run: ", command);
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return out;
}

void run(const std::string& command) {
  const int status = std::system(command.c_str());
  FAASDL_CHECK(status == 0, "command failed (", status, "): ", command);
}

struct Library {
  std::string name;  // soname as the binary asks for it
  std::string path;  // resolved file
};

std::vector<Library> shared_libraries(const std::string& binary) {
  int rc = 0;
  const std::string out = capture("ldd " + quote(binary) + " 2>&1", &rc);
  FAASDL_CHECK(rc == 0, "ldd ", binary, " failed: ", out);
  std::vector<Library> libs;
  static const std::regex with_path(R"(^\s*(\S+)\s+=>\s+(\S+)\s+\(0x)");
  static const std::regex loader(R"(^\s*(/\S*ld-linux\S*)\s+\(0x)");
  for (const auto& line : faasdl::split(out, '\n')) {
    std::smatch m;
    if (std::regex_search(line, m, with_path)) {
      FAASDL_CHECK(m[2] != "not", "ldd: ", m[1].str(), " not found");
      libs.push_back({m[1], m[2]});
    } else if (std::regex_search(line, m, loader)) {
      libs.push_back({fs::path(m[1].str()).filename().string(), m[1]});
    }
  }
  return libs;
}

bool is_glibc(const std::string& soname) {
  static const char* kGlibc[] = {"libc.so",  "libm.so",       "libpthread.so", "libdl.so",   "librt.so",
                                 "libresolv.so", "libutil.so", "libmvec.so",    "libanl.so", "ld-linux"};
  return std::any_of(std::begin(kGlibc), std::end(kGlibc),
                     [&](const char* p) { return soname.rfind(p, 0) == 0; });
}

// Highest GLIBC_2.N symbol version a file refers to.
int max_glibc_minor(const std::string& path) {
  const std::string bytes = faasdl::read_file(path);
  int best = 0;
  for (size_t at = bytes.find("GLIBC_2."); at != std::string::npos; at = bytes.find("GLIBC_2.", at + 8)) {
    int minor = 0, digits = 0;
    for (size_t i = at + 8; i < bytes.size() && digits < 3 && bytes[i] >= '0' && bytes[i] <= '9'; ++i, ++digits) {
      minor = minor * 10 + (bytes[i] - '0');
    }
    if (digits > 0) best = std::max(best, minor);
  }
  return best;
}

uint64_t tree_size(const fs::path& dir) {
  uint64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

int cmd_package(faasdl::cli::Args& args) {
  if (args.flag("help")) {
    std::printf(
        "usage: faasdl package --out faasdl-lambda.zip [--binary PATH] [--glibc auto|include|exclude] [--no-strip]\n\n"
        "Builds a Lambda deployment zip (runtime provided.al2023): bootstrap + bin/faasdl + lib/ (from ldd).\n");
    return 0;
  }
  const std::string out = fs::absolute(args.require("out")).string();
  const std::string binary = args.str("binary", faasdl::cli::self_exe());
  const std::string glibc = args.str("glibc", "auto");
  const bool strip = !args.flag("no-strip");
  args.finish();
  FAASDL_CHECK(glibc == "auto" || glibc == "include" || glibc == "exclude", "--glibc must be auto, include or exclude");
  FAASDL_CHECK(fs::is_regular_file(binary), "binary ", binary, " not found");
  int rc = 0;
  capture("command -v zip", &rc);
  FAASDL_CHECK(rc == 0, "the `zip` program is required (apt-get install zip)");

  const std::vector<Library> libs = shared_libraries(binary);
  int needed_minor = max_glibc_minor(binary);
  for (const auto& l : libs) {
    if (!is_glibc(l.name)) needed_minor = std::max(needed_minor, max_glibc_minor(l.path));
  }
  const bool bundle_glibc = glibc == "include" || (glibc == "auto" && needed_minor > kAl2023GlibcMinor);

  char tmpl[] = "/tmp/faasdl-package-XXXXXX";
  FAASDL_CHECK(::mkdtemp(tmpl) != nullptr, "cannot create a staging directory in /tmp");
  const fs::path stage = tmpl;
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{stage};
  fs::create_directories(stage / "bin");
  fs::create_directories(stage / "lib");
  fs::copy_file(binary, stage / "bin" / "faasdl");
  if (strip) {
    capture("command -v strip", &rc);
    if (rc == 0) run("strip --strip-unneeded " + quote((stage / "bin" / "faasdl").string()));
  }
  std::string loader;
  int bundled = 0;
  for (const auto& l : libs) {
    if (is_glibc(l.name) && !bundle_glibc) continue;
    fs::copy_file(fs::canonical(l.path), stage / "lib" / l.name, fs::copy_options::overwrite_existing);
    ++bundled;
    if (l.name.rfind("ld-linux", 0) == 0) {
      loader = l.name;
      fs::permissions(stage / "lib" / l.name, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                                  fs::perms::others_read | fs::perms::others_exec);
    }
  }
  FAASDL_CHECK(!bundle_glibc || !loader.empty(), "ldd did not report the dynamic loader of ", binary);

  std::string bootstrap =
      "#!/bin/sh\n"
      "# Lambda custom runtime (provided.al2023) entry point: the faasdl worker loop.\n"
      "ROOT=\"${LAMBDA_TASK_ROOT:-$(cd \"$(dirname \"$0\")\" && pwd)}\"\n";
  if (bundle_glibc) {
    bootstrap += "# glibc is bundled (the binary needs a newer one than the runtime's): use its loader.\n";
    bootstrap += "exec \"$ROOT/lib/" + loader + "\" --library-path \"$ROOT/lib\" \"$ROOT/bin/faasdl\" worker \"$@\"\n";
  } else {
    bootstrap += "export LD_LIBRARY_PATH=\"$ROOT/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\"\n";
    bootstrap += "exec \"$ROOT/bin/faasdl\" worker \"$@\"\n";
  }
  faasdl::write_file_atomic((stage / "bootstrap").string(), bootstrap);
  fs::permissions(stage / "bootstrap", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                           fs::perms::others_read | fs::perms::others_exec);

  std::error_code ec;
  fs::remove(out, ec);
  if (fs::path(out).has_parent_path()) fs::create_directories(fs::path(out).parent_path());
  run("cd " + quote(stage.string()) + " && zip -q -r -X -9 " + quote(out) + " bootstrap bin lib");

  const uint64_t unzipped = tree_size(stage);
  const uint64_t zipped = fs::file_size(out);
  const faasdl::Json report = {{"zip", out},
                               {"zip_bytes", zipped},
                               {"unzipped_bytes", unzipped},
                               {"libraries", bundled},
                               {"glibc_bundled", bundle_glibc},
                               {"glibc_needed", faasdl::str_cat("2.", needed_minor)},
                               {"fits_direct_upload_50MB", zipped <= 50ull * 1024 * 1024},
                               {"fits_unzipped_250MB", unzipped <= 250ull * 1024 * 1024}};
  std::printf("%s\n", report.dump().c_str());
  std::fflush(stdout);
  if (zipped > 50ull * 1024 * 1024) {
    std::fprintf(stderr, "note: over 50 MB zipped: upload it to S3 and use --code S3Bucket=...,S3Key=...\n");
  }
  FAASDL_CHECK(unzipped <= 250ull * 1024 * 1024, "package is ", unzipped, " bytes unzipped; Lambda allows 250 MB");
  std::fprintf(stderr,
               "deploy: aws lambda create-function --function-name faasdl-worker --runtime provided.al2023 "
               "--architectures x86_64 --handler train --memory-size 1769 --timeout 900 "
               "--role arn:aws:iam::<account-id>:role/<lambda-execution-role> --zip-file fileb://%s\n",
               out.c_str());
  return 0;
}

const faasdl::cli::CommandRegistrar reg("package", "build the AWS Lambda deployment zip: `package --out faasdl-lambda.zip`",
                                        &cmd_package);

}  // namespace
