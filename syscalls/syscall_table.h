// The syscall table: one shared definition per syscall (name, handler,
// support level, argument format for the strace log), and per-architecture
// number tables generated from the kernel's own lists that only map numbers
// to names. One row drives dispatch, logging, the unknown-syscall report
// and docs/SYSCALLS.md.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "vmrun/sandbox.h"

namespace vmrun {

class Kernel;

struct SyscallArgs {
  uint64_t a[6] = {};
  uint64_t operator[](int i) const { return a[i]; }
  int fd(int i) const { return static_cast<int>(a[i]); }
  int i32(int i) const { return static_cast<int>(a[i]); }
};

using SyscallHandler = Result<uint64_t> (*)(Kernel& k, const SyscallArgs& args);

enum class Support { Full, Partial };

// Argument formats for the log: one letter per argument.
//   d int, u unsigned, x hex, p pointer, s string pointer, f fd (AT_FDCWD aware)
struct SyscallDef {
  const char* name;
  SyscallHandler handler;
  Support support;
  const char* args;
  const char* note;  // what is partial, for the docs
};

// Each family file contributes its definitions.
std::span<const SyscallDef> file_io_syscalls();
std::span<const SyscallDef> stat_syscalls();
std::span<const SyscallDef> dir_syscalls();
std::span<const SyscallDef> memory_syscalls();
std::span<const SyscallDef> process_syscalls();
std::span<const SyscallDef> time_syscalls();
std::span<const SyscallDef> identity_syscalls();
std::span<const SyscallDef> poll_syscalls();
std::span<const SyscallDef> socket_syscalls();
std::span<const SyscallDef> signal_syscalls();
std::span<const SyscallDef> futex_syscalls();
std::span<const SyscallDef> epoll_syscalls();

class SyscallTable {
 public:
  struct Entry {
    const char* name = nullptr;  // from the kernel list; null if no such number
    const SyscallDef* def = nullptr;  // null if not implemented
  };
  static const SyscallTable& for_arch(Arch arch);
  const Entry* lookup(uint64_t nr) const {
    return nr < entries_.size() && entries_[nr].name ? &entries_[nr] : nullptr;
  }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
  friend SyscallTable build_table(Arch arch);
};

}  // namespace vmrun
