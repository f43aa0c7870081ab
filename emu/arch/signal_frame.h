// Signal frames: what Linux pushes on the guest stack to run a handler, and
// what rt_sigreturn pops. The layouts are the kernel's own for each
// architecture (glibc and programs read them: ucontext, mcontext, fpstate),
// written field by field through the checked memory layer.
#pragma once

#include <cstdint>

#include "common/result.h"
#include "emu/mm/guest_memory.h"
#include "vmrun/sandbox.h"

struct uc_struct;

namespace vmrun {

// siginfo_t contents (arch-neutral); laid out as the generic 128-byte
// siginfo of both ABIs.
struct SignalInfo {
  int signo = 0;
  int code = 0;       // SI_USER (0), SI_KERNEL (0x80), SEGV_MAPERR (1), CLD_EXITED (1), ...
  int error = 0;      // si_errno
  uint64_t addr = 0;  // si_addr for SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGTRAP
  int pid = 0;        // si_pid for SI_USER, SIGCHLD
  uint32_t uid = 0;   // si_uid
  int status = 0;     // si_status for SIGCHLD
  uint64_t value = 0; // si_value (sigqueue, POSIX timers: SI_TIMER's si_tid and si_overrun are pid and uid)
};

// A guest's struct sigaction, decoded (the raw layouts differ per arch:
// x86-64 has sa_restorer, riscv64 does not).
struct SigAction {
  uint64_t handler = 0;   // SIG_DFL (0), SIG_IGN (1) or an address
  uint64_t flags = 0;     // SA_SIGINFO, SA_ONSTACK, SA_RESTART, SA_NODEFER, SA_RESETHAND, SA_RESTORER
  uint64_t restorer = 0;  // x86-64 only
  uint64_t mask = 0;      // blocked during the handler
};

struct AltStack {
  uint64_t sp = 0;
  int32_t flags = 2;  // SS_DISABLE
  uint64_t size = 0;
};

// Build a frame for `info` on the guest stack (or the alternate stack when
// SA_ONSTACK asks and the thread is not already on it), saving the current
// registers and `saved_mask`, then point the registers at the handler:
// x86-64: rdi=signo, rsi=&siginfo, rdx=&ucontext, rsp=frame (return address =
// sa_restorer), rip=handler. riscv64: a0..a2 likewise, sp=frame,
// ra=`riscv_sigreturn_trampoline`, pc=handler. EFAULT if the stack cannot
// hold the frame (the caller then kills the process with SIGSEGV).
Result<void> push_signal_frame(Arch arch, uc_struct* uc, AddressSpace& mem, const SignalInfo& info,
                               const SigAction& action, uint64_t saved_mask, const AltStack& alt,
                               uint64_t riscv_sigreturn_trampoline);

// rt_sigreturn: restore every register the frame saved (general, FP/SIMD,
// flags, PC) from the frame at the current stack pointer, and return the
// signal mask it saved. EFAULT if the frame is unreadable (→ SIGSEGV); no
// register changes then. The restored PC is in the PC register afterwards:
// on x86-64 Unicorn adds 2 to RIP once the syscall hook returns, so the
// caller reads RIP right after this call, stops and restarts there. The
// caller must not write a syscall result (rax/a0) or the syscall
// instruction's rcx/r11 over the restored registers.
Result<uint64_t> pop_signal_frame(Arch arch, uc_struct* uc, AddressSpace& mem);

// The generic 128-byte siginfo_t of both ABIs (also what sigtimedwait fills).
namespace sigframe {
void encode_siginfo(const SignalInfo& info, uint8_t out[128]);
}

// riscv64 has no sa_restorer: Linux returns from handlers through the vDSO.
// We map one read+exec page holding `li a7, 139; ecall` (rt_sigreturn) at
// this address in every riscv64 process.
constexpr uint64_t kRiscvSigreturnTrampoline = 0x3ffffff000ull;  // the page above the main stack
Result<void> map_riscv_sigreturn_trampoline(AddressSpace& mem);

}  // namespace vmrun
