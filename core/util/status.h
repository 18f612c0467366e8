// Status and Result<T>: errors as values.
//
// Every fallible operation in veritrain_core returns a Status (no value) or a
// Result<T> (a value or a Status). Messages name what failed: the field, the
// file, the peer. Exceptions from LibTorch and cppzmq are caught at the
// adapter edge and turned into these.
//
// Thread-safety: values; safe to copy between threads.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace veritrain {

class Status {
 public:
  // The zero value is deliberately not used: a default Status is OK.
  enum class Code {
    kOk = 0,
    kInvalidArgument = 1,  // the caller's input is malformed or out of range
    kCorruption = 2,       // stored or received bytes fail an integrity check
    kIOError = 3,          // the OS refused a read or write
    kNotFound = 4,         // a named thing does not exist
    kUnauthenticated = 5,  // a signature or key check failed
    kTimeout = 6,          // a deadline passed
    kUnavailable = 7,      // a peer or resource cannot be reached now
    kFailedPrecondition = 8,  // the operation is illegal in the current state
    kInternal = 9,         // a bug or an unexpected library failure
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status Corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
  static Status IOError(std::string m) { return {Code::kIOError, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status Unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }
  static Status Timeout(std::string m) { return {Code::kTimeout, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status FailedPrecondition(std::string m) { return {Code::kFailedPrecondition, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "Corruption: checkpoint.vtc: trailer hash mismatch"
  std::string ToString() const;
  static const char* CodeName(Code c);

  // Returns a copy whose message is "context: message".
  Status WithContext(const std::string& context) const;

 private:
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// A value of type T or a non-OK Status.
// REQUIRES: value() only when ok(); status() is OK when ok().
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit
  Result(Status status) : v_(std::move(status)) {}   // NOLINT: implicit

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace veritrain

// Propagate a non-OK Status from an expression returning Status.
#define VT_RETURN_IF_ERROR(expr)                 \
  do {                                           \
    ::veritrain::Status _vt_s = (expr);          \
    if (!_vt_s.ok()) return _vt_s;               \
  } while (0)

#define VT_CONCAT_INNER(a, b) a##b
#define VT_CONCAT(a, b) VT_CONCAT_INNER(a, b)
// `VT_ASSIGN_OR_RETURN(auto x, F());` declares x from a Result or returns
// its Status.
#define VT_ASSIGN_OR_RETURN(decl, expr) \
  VT_ASSIGN_OR_RETURN_IMPL(VT_CONCAT(_vt_r, __LINE__), decl, expr)
#define VT_ASSIGN_OR_RETURN_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  decl = std::move(tmp).value()
