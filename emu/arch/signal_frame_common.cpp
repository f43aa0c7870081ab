// The parts of signal delivery both architectures share: the generic
// 128-byte siginfo, the sigaltstack rules, and dispatch to the per-arch
// frame code (signal_frame_x86_64.cpp, signal_frame_riscv64.cpp).
#include <cerrno>
#include <csignal>
#include <cstring>

#include "emu/arch/signal_frame.h"

namespace vmrun {
namespace sigframe {

// Declared again in each architecture's file; the signatures must match.
void encode_siginfo(const SignalInfo& info, uint8_t out[128]);
struct StackChoice {
  uint64_t sp = 0;          // where the frame is built downwards from
  bool on_alt = false;      // the frame must then lie inside the alternate stack
  uint64_t alt_lo = 0;      // its lowest address
  int32_t saved_flags = 0;  // uc_stack.ss_flags to record
};
StackChoice choose_stack(uint64_t sp, uint64_t red_zone, const SigAction& action, const AltStack& alt);
Result<void> push_x86_64(uc_struct* uc, AddressSpace& mem, const SignalInfo& info, const SigAction& action,
                         uint64_t saved_mask, const AltStack& alt);
Result<uint64_t> pop_x86_64(uc_struct* uc, AddressSpace& mem);
Result<void> push_riscv64(uc_struct* uc, AddressSpace& mem, const SignalInfo& info, const SigAction& action,
                          uint64_t saved_mask, const AltStack& alt, uint64_t trampoline);
Result<uint64_t> pop_riscv64(uc_struct* uc, AddressSpace& mem);

namespace {

constexpr int32_t kSsOnStack = 1, kSsDisable = 2;
constexpr uint32_t kSsAutoDisarm = 1u << 31;
constexpr uint64_t kSaOnStack = 0x08000000;
constexpr int kSiKernel = 0x80;

void put32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
void put64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }

bool alt_enabled(const AltStack& alt) { return !(alt.flags & kSsDisable) && alt.size != 0; }

// Linux's on_sig_stack(): the stack grows down, so its top is included and
// its bottom is not.
bool on_alt(uint64_t sp, const AltStack& alt) {
  return alt_enabled(alt) && sp > alt.sp && sp - alt.sp <= alt.size;
}

}  // namespace

// The generic 64-bit siginfo: si_signo @0, si_errno @4, si_code @8, then the
// union @16 whose member is chosen as the kernel's siginfo_layout() does:
//   fault (SIGILL/FPE/SEGV/BUS/TRAP from the kernel): si_addr @16
//   SIGCHLD from the kernel: si_pid @16, si_uid @20, si_status @24
//   everything else (kill, tkill, sigqueue, SI_KERNEL): si_pid @16, si_uid @20,
//   si_value @24 (SI_TIMER: si_tid @16, si_overrun @20, si_value @24)
void encode_siginfo(const SignalInfo& info, uint8_t out[128]) {
  std::memset(out, 0, 128);
  put32(out + 0, static_cast<uint32_t>(info.signo));
  put32(out + 4, static_cast<uint32_t>(info.error));
  put32(out + 8, static_cast<uint32_t>(info.code));
  bool from_kernel = info.code > 0 && info.code < kSiKernel;
  bool fault = info.signo == SIGILL || info.signo == SIGFPE || info.signo == SIGSEGV || info.signo == SIGBUS ||
               info.signo == SIGTRAP;
  if (from_kernel && fault) {
    put64(out + 16, info.addr);
  } else if (from_kernel && info.signo == SIGCHLD) {
    put32(out + 16, static_cast<uint32_t>(info.pid));
    put32(out + 20, info.uid);
    put32(out + 24, static_cast<uint32_t>(info.status));
  } else {
    put32(out + 16, static_cast<uint32_t>(info.pid));
    put32(out + 20, info.uid);
    put64(out + 24, info.value);
  }
}

// sigsp() and __save_altstack(): skip the red zone below the interrupted
// `sp`, then switch to the top of the alternate stack when SA_ONSTACK asks,
// the stack is enabled and we are not already on it. The recorded ss_flags
// describe the interrupted sp.
StackChoice choose_stack(uint64_t sp, uint64_t red_zone, const SigAction& action, const AltStack& alt) {
  StackChoice c;
  c.sp = sp - red_zone;
  c.alt_lo = alt.sp;
  if (!alt_enabled(alt)) {
    c.saved_flags = kSsDisable;
  } else {
    c.saved_flags = (on_alt(sp, alt) ? kSsOnStack : 0) | static_cast<int32_t>(alt.flags & kSsAutoDisarm);
    bool already = on_alt(c.sp, alt);
    if (already) {
      c.on_alt = true;
    } else if (action.flags & kSaOnStack) {
      c.sp = alt.sp + alt.size;
      c.on_alt = true;
    }
  }
  return c;
}

}  // namespace sigframe

Result<void> push_signal_frame(Arch arch, uc_struct* uc, AddressSpace& mem, const SignalInfo& info,
                               const SigAction& action, uint64_t saved_mask, const AltStack& alt,
                               uint64_t riscv_sigreturn_trampoline) {
  if (arch == Arch::X86_64) return sigframe::push_x86_64(uc, mem, info, action, saved_mask, alt);
  return sigframe::push_riscv64(uc, mem, info, action, saved_mask, alt, riscv_sigreturn_trampoline);
}

Result<uint64_t> pop_signal_frame(Arch arch, uc_struct* uc, AddressSpace& mem) {
  if (arch == Arch::X86_64) return sigframe::pop_x86_64(uc, mem);
  return sigframe::pop_riscv64(uc, mem);
}

}  // namespace vmrun
