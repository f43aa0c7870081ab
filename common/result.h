// Result<T>: a value or a Linux errno, returned by every fallible internal
// call. Handlers propagate errors as values; only the syscall dispatcher
// turns them into a negative return register.
#pragma once

#include <cerrno>
#include <cstdint>
#include <utility>
#include <variant>

namespace vmrun {

// A positive Linux errno value (EFAULT, ENOENT, ...). The guest ABI of both
// supported architectures uses the generic errno numbers, which are also
// the host's on x86-64 Linux, so <cerrno> constants are used directly.
struct Err {
  int code;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(implicit)
  Result(Err e) : v_(e) {}                    // NOLINT(implicit)

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  int error() const { return ok() ? 0 : std::get<Err>(v_).code; }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T value_or(T other) const { return ok() ? value() : other; }

 private:
  std::variant<T, Err> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Err e) : code_(e.code) {}  // NOLINT(implicit)
  bool ok() const { return code_ == 0; }
  explicit operator bool() const { return ok(); }
  int error() const { return code_; }

 private:
  int code_ = 0;
};

inline Result<void> Ok() { return {}; }

}  // namespace vmrun

// Propagate an error from an expression yielding Result<...>.
#define VMRUN_CONCAT_INNER(a, b) a##b
#define VMRUN_CONCAT(a, b) VMRUN_CONCAT_INNER(a, b)
#define TRY_VOID(expr)                                                  \
  do {                                                                  \
    auto _vmrun_r = (expr);                                             \
    if (!_vmrun_r.ok()) return ::vmrun::Err{_vmrun_r.error()};          \
  } while (0)
#define TRY_ASSIGN(lhs, expr)                                           \
  auto VMRUN_CONCAT(_vmrun_r_, __LINE__) = (expr);                      \
  if (!VMRUN_CONCAT(_vmrun_r_, __LINE__).ok())                          \
    return ::vmrun::Err{VMRUN_CONCAT(_vmrun_r_, __LINE__).error()};     \
  lhs = std::move(VMRUN_CONCAT(_vmrun_r_, __LINE__).value())
