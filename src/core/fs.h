// Whole-file I/O. Writes that must survive a crash go through write_file_atomic.
#pragma once

#include <string>
#include <string_view>

namespace faasdl {

// Reads a whole file; throws Error("<path>: <reason>") when it cannot.
std::string read_file(const std::string& path);

// Writes bytes to path.tmp.<pid>.<n>, fsyncs, then renames over path: readers see either the
// old file or the new one, never a torn one. Creates missing parent directories.
void write_file_atomic(const std::string& path, std::string_view bytes);

// Creates a directory and its parents; throws on failure.
void make_dirs(const std::string& path);

bool file_exists(const std::string& path);

}  // namespace faasdl
