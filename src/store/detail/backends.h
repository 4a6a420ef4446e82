// Internal: the raw Store implementations behind open_store. They make one try per call and
// keep no statistics; open_store wraps them with key validation, retries and counters.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace faasdl::store_detail {

// `name` "" = a private map; otherwise the process-wide map of that name.
std::unique_ptr<Store> open_mem_store(const std::string& name);
// Files under `root` (created on the first put).
std::unique_ptr<Store> open_dir_store(const std::string& root, const StoreOptions& options);
// `rest` is the URI after "redis://"; throws Error when malformed.
std::unique_ptr<Store> open_redis_store(const std::string& rest, bool tls, const StoreOptions& options);
// `rest` is the URI after "s3://"; throws Error when malformed or without credentials.
std::unique_ptr<Store> open_s3_store(const std::string& rest, const StoreOptions& options);

// A Status for a failed POSIX call: ENOENT kNotFound, EACCES/EPERM kPermissionDenied,
// ENOSPC/EDQUOT kResourceExhausted, ENOTDIR/EISDIR/ENAMETOOLONG/EEXIST kInvalidArgument,
// EINTR/EAGAIN kUnavailable, EIO kDataLoss, others kInternal.
Status errno_status(int err, const std::string& what);

}  // namespace faasdl::store_detail
