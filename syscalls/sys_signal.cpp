// Signal state. Handlers are recorded and reported back faithfully, but
// not yet delivered: with one process and no timers the only signals are
// faults and kill-to-self, which take the default action. Delivery (frames,
// sigreturn) is the signal issue's work; the table marks this Partial.
#include <csignal>
#include <cstring>

#include "syscalls/handler_util.h"

namespace vmrun {
namespace {

constexpr int kNsig = 64;
constexpr uint64_t kSigsetSize = 8;

// struct sigaction as the kernel sees it: handler, flags, restorer, mask on
// x86-64 (32 bytes); handler, flags, mask on riscv64 (24 bytes).
size_t sigaction_size(Arch arch) { return arch == Arch::X86_64 ? 32 : 24; }

SignalState& state(Kernel& k) { return k.proc().signals; }

Result<uint64_t> sys_rt_sigaction(Kernel& k, const SyscallArgs& a) {
  int sig = a.i32(0);
  if (sig < 1 || sig > kNsig || a[3] != kSigsetSize) return Err{EINVAL};
  size_t n = sigaction_size(k.arch());
  SignalState& s = state(k);
  uint8_t old[32];
  std::memcpy(old, s.actions[sig], n);
  if (a[1]) {
    if (sig == SIGKILL || sig == SIGSTOP) return Err{EINVAL};
    uint8_t act[32];
    TRY_VOID(k.mem().copy_in({a[1]}, act, n));
    std::memcpy(s.actions[sig], act, n);
  }
  if (a[2]) TRY_VOID(k.mem().copy_out({a[2]}, old, n));
  return 0;
}

Result<uint64_t> sys_rt_sigprocmask(Kernel& k, const SyscallArgs& a) {
  if (a[3] != kSigsetSize) return Err{EINVAL};
  SignalState& s = state(k);
  uint64_t old = s.mask;
  if (a[1]) {
    TRY_ASSIGN(uint64_t set, k.mem().read<uint64_t>({a[1]}));
    switch (a.i32(0)) {
      case SIG_BLOCK: s.mask |= set; break;
      case SIG_UNBLOCK: s.mask &= ~set; break;
      case SIG_SETMASK: s.mask = set; break;
      default: return Err{EINVAL};
    }
    s.mask &= ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
  }
  if (a[2]) TRY_VOID(k.mem().write<uint64_t>({a[2]}, old));
  return 0;
}

Result<uint64_t> sys_sigaltstack(Kernel& k, const SyscallArgs& a) {
  SignalState& s = state(k);
  uint8_t old[24];
  std::memcpy(old, s.altstack, 24);
  if (a[0]) {
    uint8_t ss[24];
    TRY_VOID(k.mem().copy_in({a[0]}, ss, 24));
    int32_t flags;
    uint64_t size;
    std::memcpy(&flags, ss + 8, 4);
    std::memcpy(&size, ss + 16, 8);
    if (flags & ~SS_DISABLE) return Err{EINVAL};
    if (!(flags & SS_DISABLE) && size < 2048) return Err{ENOMEM};
    std::memcpy(s.altstack, ss, 24);
  }
  if (a[1]) TRY_VOID(k.mem().copy_out({a[1]}, old, 24));
  return 0;
}

Result<uint64_t> sys_rt_sigpending(Kernel& k, const SyscallArgs& a) {
  TRY_VOID(k.mem().write<uint64_t>({a[0]}, 0));
  return 0;
}

const SyscallDef kDefs[] = {
    SYSCALL_DEF("rt_sigaction", sys_rt_sigaction, Support::Partial, "dppu", "recorded; handlers not yet delivered"),
    SYSCALL_DEF("rt_sigprocmask", sys_rt_sigprocmask, Support::Full, "dppu", nullptr),
    SYSCALL_DEF("sigaltstack", sys_sigaltstack, Support::Partial, "pp", "recorded; handlers not yet delivered"),
    SYSCALL_DEF("rt_sigpending", sys_rt_sigpending, Support::Full, "pu", nullptr),
};

}  // namespace

std::span<const SyscallDef> signal_syscalls() { return kDefs; }

}  // namespace vmrun
