#include "core/status.h"

namespace faasdl {

const char* code_name(Code code) {
  switch (code) {
    case Code::kOk: return "OK";
    case Code::kInvalidArgument: return "InvalidArgument";
    case Code::kNotFound: return "NotFound";
    case Code::kAlreadyExists: return "AlreadyExists";
    case Code::kDeadlineExceeded: return "DeadlineExceeded";
    case Code::kUnavailable: return "Unavailable";
    case Code::kResourceExhausted: return "ResourceExhausted";
    case Code::kPermissionDenied: return "PermissionDenied";
    case Code::kDataLoss: return "DataLoss";
    case Code::kInternal: return "Internal";
  }
  return "Unknown";
}

std::string Status::to_string() const {
  if (ok()) return "OK";
  return str_cat(code_name(code_), ": ", message_);
}

void Status::throw_if_error() const {
  if (!ok()) throw Error(to_string());
}

bool Status::retryable() const {
  return code_ == Code::kUnavailable || code_ == Code::kDeadlineExceeded ||
         code_ == Code::kResourceExhausted;
}

}  // namespace faasdl
