// Signal dispositions, masks, the alternate stack, waiting for signals and
// returning from handlers. Delivery itself is in emu/kernel/signals.cpp.
#include <csignal>
#include <cstring>

#include "emu/arch/guest_abi.h"
#include "syscalls/handler_util.h"
#include "syscalls/wait_mask.h"

namespace vmrun {
namespace {

// The guest's struct sigaction: handler, flags, restorer, mask on x86-64
// (32 bytes); handler, flags, mask on riscv64 (24 bytes).
size_t sigaction_size(Arch arch) { return GuestAbi::of(arch).sigaction_size; }

SigAction decode(Arch arch, const uint64_t* w) {
  const GuestAbi& abi = GuestAbi::of(arch);
  int r = abi.sigaction_restorer_word;
  return SigAction{w[0], w[1], r >= 0 ? w[r] : 0, w[abi.sigaction_mask_word]};
}

void encode(Arch arch, const SigAction& a, uint64_t* w) {
  const GuestAbi& abi = GuestAbi::of(arch);
  w[0] = a.handler, w[1] = a.flags, w[abi.sigaction_mask_word] = a.mask;
  if (abi.sigaction_restorer_word >= 0) w[abi.sigaction_restorer_word] = a.restorer;
}

SyscallResult sys_rt_sigaction(SyscallContext& k, const SyscallArgs& a) {
  int sig = a.i32(0);
  if (sig < 1 || sig > SignalState::kNsig || a[3] != kSigsetSize) return Err{EINVAL};
  size_t n = sigaction_size(k.arch());
  SignalState& s = k.proc().signals;
  uint64_t old[4] = {};
  encode(k.arch(), s.actions()[sig], old);
  if (a[1]) {
    if (sig == SIGKILL || sig == SIGSTOP) return Err{EINVAL};
    uint64_t w[4] = {};
    TRY_VOID(k.mem().copy_in(a.addr(1), w, n));
    SigAction act = decode(k.arch(), w);
    act.mask &= ~kUnblockable;
    s.actions()[sig] = act;
    // Setting SIG_IGN (or the default for a default-ignored signal)
    // discards a pending instance.
    bool ignored = act.handler == 1 ||
                   (act.handler == 0 && (sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH));
    if (ignored) {
      s.pending &= ~(1ull << (sig - 1));
      s.shared->set &= ~(1ull << (sig - 1));
    }
  }
  if (a[2]) TRY_VOID(k.mem().copy_out(a.addr(2), old, n));
  return 0;
}

SyscallResult sys_rt_sigprocmask(SyscallContext& k, const SyscallArgs& a) {
  if (a[3] != kSigsetSize) return Err{EINVAL};
  SignalState& s = k.proc().signals;
  uint64_t old = s.mask;
  if (a[1]) {
    TRY_ASSIGN(uint64_t set, k.mem().load(a.ptr<uint64_t>(1)));
    switch (a.i32(0)) {
      case SIG_BLOCK: s.mask |= set; break;
      case SIG_UNBLOCK: s.mask &= ~set; break;
      case SIG_SETMASK: s.mask = set; break;
      default: return Err{EINVAL};
    }
    s.mask &= ~kUnblockable;
  }
  if (a[2]) TRY_VOID(k.mem().store(a.ptr<uint64_t>(2), old));
  return 0;
}

SyscallResult sys_sigaltstack(SyscallContext& k, const SyscallArgs& a) {
  AltStack& alt = k.proc().signals.altstack;
  uint64_t sp = k.cpu().stack_pointer(k.proc().uc);
  bool on_stack = !(alt.flags & SS_DISABLE) && sp - alt.sp < alt.size;
  uint8_t old[24] = {};
  int32_t old_flags = on_stack ? SS_ONSTACK : alt.flags;
  std::memcpy(old, &alt.sp, 8);
  std::memcpy(old + 8, &old_flags, 4);
  std::memcpy(old + 16, &alt.size, 8);
  if (a[0]) {
    uint8_t ss[24];
    TRY_VOID(k.mem().copy_in(a.addr(0), ss, 24));
    AltStack next;
    std::memcpy(&next.sp, ss, 8);
    std::memcpy(&next.flags, ss + 8, 4);
    std::memcpy(&next.size, ss + 16, 8);
    if (on_stack) return Err{EPERM};
    if (next.flags & ~(SS_DISABLE | (1u << 31) /* SS_AUTODISARM */)) return Err{EINVAL};
    if (next.flags & SS_DISABLE) {
      next = AltStack{};
    } else if (next.size < static_cast<uint64_t>(MINSIGSTKSZ)) {
      return Err{ENOMEM};
    }
    next.flags &= SS_DISABLE;
    alt = next;
  }
  if (a[1]) TRY_VOID(k.mem().copy_out(a.addr(1), old, 24));
  return 0;
}

SyscallResult sys_rt_sigpending(SyscallContext& k, const SyscallArgs& a) {
  const SignalState& s = k.proc().signals;
  TRY_VOID(k.mem().store(a.ptr<uint64_t>(0), s.all_pending() & s.mask));
  return 0;
}

SyscallResult sys_rt_sigreturn(SyscallContext& k, const SyscallArgs&) {
  TRY_VOID(k.sigreturn());
  return 0;
}

SyscallResult sys_pause(SyscallContext& k, const SyscallArgs&) {
  // Woken only by a signal; delivery turns the wait into EINTR.
  return k.block(wait_until([] { return false; }));
}

SyscallResult sys_rt_sigsuspend(SyscallContext& k, const SyscallArgs& a) {
  if (a[1] != kSigsetSize) return Err{EINVAL};
  Process& p = k.proc();
  TRY_ASSIGN(uint64_t mask, k.mem().load(a.ptr<uint64_t>(0)));
  // The handler runs with the temporary mask; its frame saves the old one,
  // so returning from the handler restores it.
  install_temporary_mask(p, mask);
  return k.block(wait_until([] { return false; }));
}

// rt_sigtimedwait(set, info, timeout): take a pending signal of `set` (the
// thread's own first, then the group's) instead of delivering it; wait for
// one until the timeout (EAGAIN), or until a signal outside the set runs
// a handler (EINTR, never restarted).
SyscallResult sys_rt_sigtimedwait(SyscallContext& k, const SyscallArgs& a) {
  if (a[3] != kSigsetSize) return Err{EINVAL};
  Process& p = k.proc();
  TRY_ASSIGN(uint64_t set, k.mem().load(a.ptr<uint64_t>(0)));
  set &= ~kUnblockable;
  int64_t timeout_ns = -1;
  if (a[2]) {
    int64_t ts[2];
    TRY_VOID(k.mem().copy_in(a.addr(2), ts, sizeof ts));
    if (ts[0] < 0 || ts[1] < 0 || ts[1] > 999999999) return Err{EINVAL};
    timeout_ns = ts[0] > INT64_MAX / 1000000000 - 1 ? INT64_MAX : ts[0] * 1000000000 + ts[1];
  }
  if (uint64_t ready = p.signals.all_pending() & set) {
    uint64_t own = p.signals.pending & set;
    int sig = __builtin_ctzll(own ? own : ready) + 1;
    SignalInfo info = p.signals.take(sig);
    if (p.posix_timers) p.posix_timers->signal_taken(info.code, info.pid, info.uid);
    p.call.deadline_ns = -1;
    if (a[1]) {
      uint8_t raw[128];
      sigframe::encode_siginfo(info, raw);
      TRY_VOID(k.mem().copy_out(a.addr(1), raw, sizeof raw));
    }
    return static_cast<uint64_t>(sig);
  }
  // The deadline survives the re-runs of the wait.
  int64_t now = k.monotonic_ns();
  if (timeout_ns >= 0 && (!k.restarted() || p.call.deadline_ns < 0))
    p.call.deadline_ns = timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns;
  if (timeout_ns >= 0 && now >= p.call.deadline_ns) {
    p.call.deadline_ns = -1;
    return Err{EAGAIN};
  }
  Wait w;
  Process* self = &p;
  w.ready = [self, set] { return (self->signals.all_pending() & set) != 0; };
  if (timeout_ns >= 0) w.deadline_ns = p.call.deadline_ns;
  return k.block(std::move(w));
}

const SyscallDef kDefs[] = {
    SYSCALL_DEF("rt_sigaction", sys_rt_sigaction, Support::Full, "Sppu", nullptr),
    SYSCALL_DEF("rt_sigprocmask", sys_rt_sigprocmask, Support::Full, "hppu", nullptr),
    SYSCALL_DEF("sigaltstack", sys_sigaltstack, Support::Full, "pp", nullptr),
    SYSCALL_DEF("rt_sigpending", sys_rt_sigpending, Support::Full, "pu", nullptr),
    SYSCALL_DEF("rt_sigreturn", sys_rt_sigreturn, Support::Full, "", nullptr),
    SYSCALL_DEF_NO_RESTART("pause", sys_pause, Support::Full, "", nullptr),
    SYSCALL_DEF_NO_RESTART("rt_sigsuspend", sys_rt_sigsuspend, Support::Full, "pu", nullptr),
    SYSCALL_DEF_NO_RESTART("rt_sigtimedwait", sys_rt_sigtimedwait, Support::Full, "pppu", nullptr),
};

}  // namespace

std::span<const SyscallDef> signal_syscalls() { return kDefs; }

}  // namespace vmrun
