// What the kernel and the syscall layer (syscalls/) agree on: a handler's
// arguments as typed views, what a handler returns (a value, an errno, or
// Blocked on a wait), the table row that describes a syscall, and the
// SyscallLayer through which the kernel reaches the table. The kernel
// depends on this header only; the syscall layer links the kernel, never
// the reverse (docs/ARCHITECTURE.md, "Floors").
#pragma once

#include <cerrno>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/result.h"
#include "emu/kernel/wait.h"
#include "emu/mm/guest_memory.h"
#include "vmrun/sandbox.h"

namespace vmrun {

class SyscallContext;

constexpr uint64_t kPathMax = 4096;
// Bounds for counts the guest passes (iovec arrays, poll sets, ...).
constexpr uint64_t kIovMax = 1024;

// A guest struct iovec, checked (iovecs_at).
struct Iov {
  uint64_t base, len;
};

// A path at `addr`: EFAULT for a bad pointer, ENAMETOOLONG past PATH_MAX.
Result<std::string> path_at(const AddressSpace& mem, GuestAddr addr);
// A struct iovec array (readv, writev, sendmsg, vmsplice): `too_many` past
// UIO_MAXIOV; EINVAL for a negative length or a total that overflows.
Result<std::vector<Iov>> iovecs_at(const AddressSpace& mem, GuestAddr addr, uint64_t count, int too_many = EINVAL);

// A syscall's six argument registers, and typed views of them. The views
// that read guest memory read the calling task's address space.
class SyscallArgs {
 public:
  SyscallArgs() = default;
  SyscallArgs(const uint64_t raw[6], const AddressSpace* mem) : mem_(mem) {
    for (int i = 0; i < 6; i++) a[i] = raw[i];
  }
  uint64_t operator[](int i) const { return a[i]; }
  int fd(int i) const { return static_cast<int>(a[i]); }
  int i32(int i) const { return static_cast<int>(a[i]); }
  // A pointer to guest bytes (a buffer), and to a T or an array of T.
  GuestAddr addr(int i) const { return {a[i]}; }
  template <class T>
  GuestPtr<T> ptr(int i) const {
    return {a[i]};
  }
  // The path argument i points to (path_at).
  Result<std::string> path(int i) const;
  // The iovec array argument i points to, `count` long (iovecs_at).
  Result<std::vector<Iov>> iovecs(int i, uint64_t count, int too_many = EINVAL) const;
  // Argument i replaced (a call that forwards to another with other arguments).
  SyscallArgs with(int i, uint64_t value) const {
    SyscallArgs b = *this;
    b.a[i] = value;
    return b;
  }
  const uint64_t* raw() const { return a; }

 private:
  uint64_t a[6] = {};
  const AddressSpace* mem_ = nullptr;
};

// A handler's way to say "park the caller until `wait` is ready, then call
// me again with the same arguments". Never reaches the guest.
struct Blocked {
  Wait wait;
};

// A failed or blocked Outcome, without its value type, to return upward
// from a function with another one (TRY_OUTCOME).
struct Unfinished {
  std::variant<Err, Blocked> v;
};

// What a call that may block returns: a value, an errno, or Blocked.
template <class T>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : v_(std::move(value)) {}  // NOLINT(implicit)
  Outcome(Err e) : v_(e) {}                    // NOLINT(implicit)
  Outcome(Blocked b) : v_(std::move(b)) {}     // NOLINT(implicit)
  Outcome(Result<T> r) : v_(Err{0}) {          // NOLINT(implicit)
    if (r.ok()) v_ = std::move(r.value());
    else v_ = Err{r.error()};
  }
  Outcome(Unfinished u) : v_(Err{0}) {  // NOLINT(implicit)
    if (auto* e = std::get_if<Err>(&u.v)) v_ = *e;
    else v_ = std::move(std::get<Blocked>(u.v));
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  bool blocked() const { return std::holds_alternative<Blocked>(v_); }
  // The errno when it failed (0 otherwise). Not named error(): TRY_VOID
  // and TRY_ASSIGN, which know only errors, must not compile on an
  // Outcome and turn a Blocked into success (TRY_OUTCOME is for these).
  int error_code() const { return std::holds_alternative<Err>(v_) ? std::get<Err>(v_).code : 0; }
  T& value() { return std::get<T>(v_); }
  Wait& wait() { return std::get<Blocked>(v_).wait; }
  Unfinished unfinished() && {
    if (blocked()) return {std::move(std::get<Blocked>(v_))};
    return {Err{error_code()}};
  }

 private:
  std::variant<T, Err, Blocked> v_;
};

using SyscallResult = Outcome<uint64_t>;

using SyscallHandler = SyscallResult (*)(SyscallContext& k, const SyscallArgs& args);

// How much of a syscall's Linux behaviour vmrun gives, as docs/SYSCALLS.md
// says it: Full; Partial (the note says what is missing); Stub (accepted
// and answered, with no effect: the note says why that is harmless);
// Refused (always fails with an errno, on purpose: the note says why).
enum class Support { Full, Partial, Stub, Refused };
const char* support_name(Support s);

// After a signal handler interrupts a blocked call: under SA_RESTART it
// is re-executed (AfterHandler), or it returns EINTR whatever the flags say
// (Never: the sleeps and waits Linux never restarts, signal(7)).
enum class Restart { AfterHandler, Never };

// Run when a signal interrupts the call with EINTR, with the call's
// arguments and, for a sleep, the time it had left (nanosleep's `rem`).
using InterruptHook = void (*)(AddressSpace& mem, const uint64_t args[6], int64_t time_left_ns);

// One syscall's row. `args` holds the strace argument format letters
// (syscalls/syscall_table.h lists them).
struct SyscallDef {
  const char* name;
  SyscallHandler handler;
  Support support;
  const char* args;
  const char* note;  // what is partial, for the docs
  Restart restart = Restart::AfterHandler;
  InterruptHook on_interrupt = nullptr;
};

// One architecture's syscall numbers, each with its name and row.
class SyscallTable {
 public:
  struct Entry {
    const char* name = nullptr;  // from the kernel list; null if no such number
    const SyscallDef* def = nullptr;  // null if not implemented
  };
  // The table the syscall layer builds (syscalls/syscall_table.cpp).
  static const SyscallTable& for_arch(Arch arch);
  const Entry* lookup(uint64_t nr) const {
    return nr < entries_.size() && entries_[nr].name ? &entries_[nr] : nullptr;
  }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
  friend SyscallTable build_table(Arch arch);
};

// What the kernel is given of the syscall layer: each architecture's
// table, and the strace line of a call.
struct SyscallLayer {
  using StringReader = std::function<std::optional<std::string>(uint64_t addr)>;
  const SyscallTable& (*table)(Arch arch) = nullptr;
  // `name(args) = result` for a row's format letters (null: unknown call).
  std::string (*format_call)(std::string_view name, const char* formats, const uint64_t args[6], uint64_t ret,
                             Arch arch, const StringReader& read) = nullptr;
};

}  // namespace vmrun

// Propagate an errno or a Blocked from an Outcome<...> expression.
#define TRY_OUTCOME(lhs, expr)                                              \
  auto VMRUN_CONCAT(_vmrun_o_, __LINE__) = (expr);                          \
  if (!VMRUN_CONCAT(_vmrun_o_, __LINE__).ok())                              \
    return std::move(VMRUN_CONCAT(_vmrun_o_, __LINE__)).unfinished();      \
  lhs = std::move(VMRUN_CONCAT(_vmrun_o_, __LINE__).value())
