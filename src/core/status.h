// Errors and status values shared by every layer.
//
// Bad input inside one process raises faasdl::Error (caught at the CLI, printed, non-zero exit).
// Calls that cross a process or network boundary (store, invoke, runtime API) return a Status
// or Result<T> instead, so callers decide about retries and deadlines explicitly.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace faasdl {

// Concatenates any streamable values into a string: str_cat("shape ", 3, "x", 4).
template <typename... Args>
std::string str_cat(Args&&... args) {
  std::ostringstream out;
  (out << ... << std::forward<Args>(args));
  return out.str();
}

// Raised for bad input (files, options, shapes). The message names what is wrong.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <typename... Args>
[[noreturn]] void fail(Args&&... args) {
  throw Error(str_cat(std::forward<Args>(args)...));
}

// Checks an invariant on input; throws Error with the message when it does not hold.
#define FAASDL_CHECK(cond, ...)                    \
  do {                                             \
    if (!(cond)) ::faasdl::fail(__VA_ARGS__);      \
  } while (0)

enum class Code {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kDeadlineExceeded,
  kUnavailable,       // transient: connection refused, 5xx, throttled; worth a retry
  kResourceExhausted, // limits: too many requests, too large, out of memory
  kPermissionDenied,
  kDataLoss,          // corrupt or truncated data, checksum mismatch
  kInternal,
};

const char* code_name(Code code);

class Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status ok_status() { return {}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "DeadlineExceeded: redis GET run/1/model/3 took longer than 5000 ms"
  std::string to_string() const;
  // Throws Error(to_string()) unless ok().
  void throw_if_error() const;
  // True for codes a bounded retry may fix (kUnavailable, kDeadlineExceeded, kResourceExhausted).
  bool retryable() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

template <typename... Args>
Status make_status(Code code, Args&&... args) {
  return Status(code, str_cat(std::forward<Args>(args)...));
}

// A value or the Status explaining why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(v_).ok()) v_ = Status(Code::kInternal, "Result built from an ok Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  // Access the value; throws Error when there is none.
  T& value() & {
    if (!ok()) std::get<Status>(v_).throw_if_error();
    return std::get<T>(v_);
  }
  const T& value() const& {
    if (!ok()) std::get<Status>(v_).throw_if_error();
    return std::get<T>(v_);
  }
  T&& value() && {
    if (!ok()) std::get<Status>(v_).throw_if_error();
    return std::get<T>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace faasdl
