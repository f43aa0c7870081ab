#include "syscalls/syscall_table.h"

#include "syscalls/strace_format.h"

#include <cstring>
#include <map>
#include <set>
#include <string>

namespace vmrun {
namespace {

struct NumberedName {
  const char* name;
  uint32_t nr;
};

#define SYSCALL_NUMBER(name, nr) {#name, nr},
constexpr NumberedName kX86_64Numbers[] = {
#include "syscalls/numbers_x86_64.inc"
};
constexpr NumberedName kRiscV64Numbers[] = {
#include "syscalls/numbers_riscv64.inc"
};
#undef SYSCALL_NUMBER

// Numbers newer than the kernel headers the lists were generated from.
constexpr NumberedName kRiscV64Newer[] = {{"riscv_hwprobe", 258}};

// Syscalls answered with ENOSYS on purpose: libc probes them and falls
// back cleanly, so they are not reported as missing.
SyscallResult sys_enosys(SyscallContext&, const SyscallArgs&) { return Err{ENOSYS}; }
constexpr SyscallDef kDeliberatelyAbsent[] = {
    {"rseq", sys_enosys, Support::Partial, "pxxx", "ENOSYS: glibc runs without restartable sequences"},
    {"riscv_hwprobe", sys_enosys, Support::Partial, "pupux", "ENOSYS: glibc falls back to AT_HWCAP"},
    {"clone3", sys_enosys, Support::Partial, "pu", "ENOSYS: glibc falls back to clone"},
};

}  // namespace

std::vector<std::span<const SyscallDef>> all_syscall_families() {
  return {file_io_syscalls(), stat_syscalls(), dir_syscalls(), memory_syscalls(), process_syscalls(),
          time_syscalls(), identity_syscalls(), poll_syscalls(), socket_syscalls(), signal_syscalls(),
          futex_syscalls(), epoll_syscalls(), lock_syscalls(), inotify_syscalls(), timerfd_syscalls(),
          xattr_syscalls(), pidfd_syscalls(), posix_timer_syscalls(),
          std::span<const SyscallDef>(kDeliberatelyAbsent)};
}

std::vector<std::string> syscall_row_problems(const std::vector<std::span<const SyscallDef>>& families) {
  std::set<std::string_view> known;
  for (auto& n : kX86_64Numbers) known.insert(n.name);
  for (auto& n : kRiscV64Numbers) known.insert(n.name);
  for (auto& n : kRiscV64Newer) known.insert(n.name);
  std::vector<std::string> problems;
  std::set<std::string_view> seen;
  for (auto family : families)
    for (auto& d : family) {
      if (!known.count(d.name)) problems.push_back(std::string(d.name) + ": no such syscall on either architecture");
      if (!seen.insert(d.name).second) problems.push_back(std::string(d.name) + ": defined twice");
    }
  return problems;
}

// Each architecture's number lists (the generated ones, and riscv64's
// newer calls).
struct ArchNumbers {
  Arch arch;
  std::span<const NumberedName> lists[2];
};
const ArchNumbers kArchNumbers[] = {
    {Arch::X86_64, {kX86_64Numbers, {}}},
    {Arch::RiscV64, {kRiscV64Numbers, kRiscV64Newer}},
};

SyscallTable build_table(Arch arch) {
  std::map<std::string_view, const SyscallDef*> defs;
  for (auto family : all_syscall_families())
    for (auto& d : family) defs.emplace(d.name, &d);  // duplicates: syscall_row_problems, tested
  std::vector<NumberedName> all;
  for (const ArchNumbers& n : kArchNumbers)
    if (n.arch == arch)
      for (auto list : n.lists) all.insert(all.end(), list.begin(), list.end());
  SyscallTable t;
  uint32_t max_nr = 0;
  for (auto& n : all) max_nr = std::max(max_nr, n.nr);
  t.entries_.resize(max_nr + 1);
  for (auto& n : all) {
    auto it = defs.find(n.name);
    t.entries_[n.nr] = {n.name, it == defs.end() ? nullptr : it->second};
  }
  return t;
}

const SyscallTable& SyscallTable::for_arch(Arch arch) {
  static const std::map<Arch, SyscallTable> tables = [] {
    std::map<Arch, SyscallTable> t;
    for (const ArchNumbers& n : kArchNumbers) t.emplace(n.arch, build_table(n.arch));
    return t;
  }();
  return tables.at(arch);
}

const SyscallLayer& linux_syscalls() {
  static const SyscallLayer layer{&SyscallTable::for_arch, &strace::format_call};
  return layer;
}

}  // namespace vmrun
