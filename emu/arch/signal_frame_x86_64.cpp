// x86-64 signal frames, laid out as Linux's struct rt_sigframe
// (arch/x86/include/asm/sigframe.h) so that glibc and programs reading
// ucontext_t / mcontext_t find every register where the kernel puts it.
//
//   frame + 0    pretcode            sa_restorer; the handler's return address
//   frame + 8    struct ucontext     (uc_flags, uc_link, uc_stack,
//                                     uc_mcontext = struct sigcontext, uc_sigmask)
//   frame + 312  struct siginfo      128 bytes
//   frame + 440  end; padding; then the 512-byte FXSAVE image, 64-byte
//                aligned, which sigcontext.fpstate points to.
//
// The stack below the interrupted rsp: 128 bytes of red zone are skipped,
// the FXSAVE image goes below that, then the frame so that rsp + 8 is
// 16-byte aligned at handler entry (as after a call instruction).
//
// rt_sigreturn (pop_x86_64) reads the frame at rsp - 8: the handler's `ret`
// has popped pretcode. It restores every register including RIP; Unicorn
// adds 2 to RIP when a syscall hook returns, so the caller must read RIP
// after the pop and restart emulation there (and must not write rcx/r11 or a
// syscall result over the restored registers afterwards).
#include <unicorn/unicorn.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <vector>

#include "emu/arch/signal_frame.h"

namespace vmrun {
namespace sigframe {

// From signal_frame_common.cpp.
void encode_siginfo(const SignalInfo& info, uint8_t out[128]);
struct StackChoice {
  uint64_t sp = 0;
  bool on_alt = false;
  uint64_t alt_lo = 0;
  int32_t saved_flags = 0;
};
StackChoice choose_stack(uint64_t sp, uint64_t red_zone, const SigAction& action, const AltStack& alt);

namespace {

constexpr uint64_t kSaRestorer = 0x04000000;
constexpr uint64_t kRedZone = 128;

// struct rt_sigframe.
constexpr uint64_t kPretcode = 0;
constexpr uint64_t kUcFlags = 8;
constexpr uint64_t kUcLink = 16;
constexpr uint64_t kUcStackSp = 24;
constexpr uint64_t kUcStackFlags = 32;
constexpr uint64_t kUcStackSize = 40;
constexpr uint64_t kMcontext = 48;  // struct sigcontext, 256 bytes
constexpr uint64_t kUcSigmask = 304;
constexpr uint64_t kSiginfo = 312;
constexpr uint64_t kFrameSize = 440;

// struct sigcontext as 8-byte slots; the same indices as glibc's gregs[]
// (REG_R8 = 0 ... REG_CR2 = 22) followed by the fpstate pointer.
enum : int {
  kScR8 = 0,  // r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp: 0..15
  kScRip = 16,
  kScEflags = 17,
  kScCsGsFsSs = 18,  // four 16-bit selectors
  kScErr = 19,
  kScTrapno = 20,
  kScOldmask = 21,
  kScCr2 = 22,
  kScFpstate = 23,
};
constexpr int kGprs[16] = {UC_X86_REG_R8,  UC_X86_REG_R9,  UC_X86_REG_R10, UC_X86_REG_R11,
                           UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
                           UC_X86_REG_RDI, UC_X86_REG_RSI, UC_X86_REG_RBP, UC_X86_REG_RBX,
                           UC_X86_REG_RDX, UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RSP};

// The FXSAVE image (64-bit format), Intel SDM vol. 1 table 10-2.
constexpr uint64_t kFxSize = 512;
constexpr uint64_t kFxFcw = 0, kFxFsw = 2, kFxFtw = 4, kFxFop = 6, kFxFip = 8, kFxFdp = 16, kFxMxcsr = 24,
                   kFxMxcsrMask = 28, kFxSt = 32, kFxXmm = 160;
constexpr uint32_t kMxcsrMask = 0xffff;

constexpr uint64_t kUserCs = 0x33, kUserDs = 0x2b;  // Linux's __USER_CS / __USER_DS
// uc_flags: UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS, as Linux sets on x86-64.
// UC_FP_XSTATE stays clear: the FP image is plain FXSAVE (no XSAVE header).
constexpr uint64_t kUcFlagsValue = 0x2 | 0x4;

// The flags rt_sigreturn takes from the frame (Linux's FIX_EFLAGS):
// AC OF DF TF SF ZF AF PF CF RF.
constexpr uint64_t kFixEflags = 0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x10000;
constexpr uint64_t kEflagsDf = 0x400, kEflagsTf = 0x100, kEflagsRf = 0x10000;

void put16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }
void put32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
void put64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }
uint16_t get16(const uint8_t* p) { uint16_t v; std::memcpy(&v, p, 2); return v; }
uint32_t get32(const uint8_t* p) { uint32_t v; std::memcpy(&v, p, 4); return v; }
uint64_t get64(const uint8_t* p) { uint64_t v; std::memcpy(&v, p, 8); return v; }

uint64_t reg(uc_struct* uc, int id) {
  uint64_t v = 0;  // 16/32-bit registers fill only the low bytes
  uc_reg_read(uc, id, &v);
  return v;
}
void set_reg(uc_struct* uc, int id, uint64_t v) { uc_reg_write(uc, id, &v); }

// What the kernel records in sigcontext.trapno/err/cr2 for a fault; only
// meaningful for kernel-generated fault signals.
void fault_details(const SignalInfo& info, uint64_t* trapno, uint64_t* err, uint64_t* cr2) {
  *trapno = *err = *cr2 = 0;
  if (info.code <= 0 || info.code >= 0x80) return;
  switch (info.signo) {
    case SIGSEGV: *trapno = 14; *err = 4; *cr2 = info.addr; break;  // #PF, user mode
    case SIGBUS: *trapno = 17; break;
    case SIGFPE: *trapno = 0; break;
    case SIGILL: *trapno = 6; break;
    case SIGTRAP: *trapno = 3; break;
    default: break;
  }
}

void save_fpu(uc_struct* uc, uint8_t* fx) {
  std::memset(fx, 0, kFxSize);
  put16(fx + kFxFcw, static_cast<uint16_t>(reg(uc, UC_X86_REG_FPCW)));
  put16(fx + kFxFsw, static_cast<uint16_t>(reg(uc, UC_X86_REG_FPSW)));
  // Unicorn gives the full tag word (2 bits per physical register, 3 =
  // empty); FXSAVE keeps one bit per register, set when not empty.
  uint64_t tags = reg(uc, UC_X86_REG_FPTAG);
  uint8_t abridged = 0;
  for (int i = 0; i < 8; i++)
    if (((tags >> (2 * i)) & 3) != 3) abridged |= static_cast<uint8_t>(1u << i);
  fx[kFxFtw] = abridged;
  put16(fx + kFxFop, static_cast<uint16_t>(reg(uc, UC_X86_REG_FOP)));
  put64(fx + kFxFip, reg(uc, UC_X86_REG_FIP));
  put64(fx + kFxFdp, reg(uc, UC_X86_REG_FDP));
  put32(fx + kFxMxcsr, static_cast<uint32_t>(reg(uc, UC_X86_REG_MXCSR)));
  put32(fx + kFxMxcsrMask, kMxcsrMask);
  for (int i = 0; i < 8; i++) {
    uint8_t st[16] = {};  // 80-bit value in the low 10 bytes, as FXSAVE
    uc_reg_read(uc, UC_X86_REG_ST0 + i, st);
    std::memcpy(fx + kFxSt + 16 * i, st, 10);
  }
  for (int i = 0; i < 16; i++) {
    uint8_t x[16] = {};
    uc_reg_read(uc, UC_X86_REG_XMM0 + i, x);
    std::memcpy(fx + kFxXmm + 16 * i, x, 16);
  }
}

void restore_fpu(uc_struct* uc, const uint8_t* fx) {
  set_reg(uc, UC_X86_REG_FPCW, get16(fx + kFxFcw));
  // The status word carries TOP, which decides what ST0..7 name: first.
  set_reg(uc, UC_X86_REG_FPSW, get16(fx + kFxFsw));
  for (int i = 0; i < 8; i++) {
    uint8_t st[16] = {};
    std::memcpy(st, fx + kFxSt + 16 * i, 10);
    uc_reg_write(uc, UC_X86_REG_ST0 + i, st);
  }
  uint16_t tags = 0;
  for (int i = 0; i < 8; i++)
    if (!(fx[kFxFtw] & (1u << i))) tags |= static_cast<uint16_t>(3u << (2 * i));
  set_reg(uc, UC_X86_REG_FPTAG, tags);
  set_reg(uc, UC_X86_REG_FOP, get16(fx + kFxFop));
  set_reg(uc, UC_X86_REG_FIP, get64(fx + kFxFip));
  set_reg(uc, UC_X86_REG_FDP, get64(fx + kFxFdp));
  // Reserved MXCSR bits would make a real fxrstor fault; Linux clears them.
  set_reg(uc, UC_X86_REG_MXCSR, get32(fx + kFxMxcsr) & kMxcsrMask);
  for (int i = 0; i < 16; i++) {
    uint8_t x[16];
    std::memcpy(x, fx + kFxXmm + 16 * i, 16);
    uc_reg_write(uc, UC_X86_REG_XMM0 + i, x);
  }
}

// sigcontext.fpstate == NULL: Linux resets the FPU to its initial state.
void reset_fpu(uc_struct* uc) {
  uint8_t fx[kFxSize] = {};
  put16(fx + kFxFcw, 0x37f);
  put32(fx + kFxMxcsr, 0x1f80);
  restore_fpu(uc, fx);
}

}  // namespace

Result<void> push_x86_64(uc_struct* uc, AddressSpace& mem, const SignalInfo& info, const SigAction& action,
                         uint64_t saved_mask, const AltStack& alt) {
  // x86-64 Linux has no default return path: the C library must supply one.
  if (!(action.flags & kSaRestorer)) return Err{EFAULT};

  uint64_t gpr[16];
  for (int i = 0; i < 16; i++) gpr[i] = reg(uc, kGprs[i]);
  const uint64_t rsp = gpr[15];
  const uint64_t rip = reg(uc, UC_X86_REG_RIP);
  const uint64_t eflags = reg(uc, UC_X86_REG_EFLAGS);

  StackChoice st = choose_stack(rsp, kRedZone, action, alt);
  const uint64_t fx_addr = (st.sp - kFxSize) & ~uint64_t{63};
  const uint64_t frame = ((fx_addr - kFrameSize) & ~uint64_t{15}) - 8;
  if (frame > fx_addr || fx_addr > st.sp) return Err{EFAULT};  // wrapped below 0
  // Overflowing the alternate stack: Linux gives SIGSEGV rather than write
  // past its bottom.
  if (st.on_alt && !(frame > st.alt_lo)) return Err{EFAULT};

  // One buffer from the frame to the end of the FXSAVE image (the padding
  // between them is dead stack), written by a single checked copy.
  std::vector<uint8_t> buf(fx_addr + kFxSize - frame, 0);
  uint8_t* f = buf.data();
  put64(f + kPretcode, action.restorer);
  put64(f + kUcFlags, kUcFlagsValue);
  put64(f + kUcLink, 0);
  put64(f + kUcStackSp, alt.sp);
  put32(f + kUcStackFlags, static_cast<uint32_t>(st.saved_flags));
  put64(f + kUcStackSize, alt.size);
  uint8_t* sc = f + kMcontext;
  for (int i = 0; i < 16; i++) put64(sc + 8 * (kScR8 + i), gpr[i]);
  put64(sc + 8 * kScRip, rip);
  put64(sc + 8 * kScEflags, eflags);
  put64(sc + 8 * kScCsGsFsSs, kUserCs | (kUserDs << 48));  // cs, gs = 0, fs = 0, ss
  uint64_t trapno, err, cr2;
  fault_details(info, &trapno, &err, &cr2);
  put64(sc + 8 * kScErr, err);
  put64(sc + 8 * kScTrapno, trapno);
  put64(sc + 8 * kScOldmask, saved_mask);
  put64(sc + 8 * kScCr2, cr2);
  put64(sc + 8 * kScFpstate, fx_addr);
  put64(f + kUcSigmask, saved_mask);
  encode_siginfo(info, f + kSiginfo);
  save_fpu(uc, f + (fx_addr - frame));

  TRY_VOID(mem.copy_out({frame}, buf.data(), buf.size()));

  // Handler entry.
  set_reg(uc, UC_X86_REG_RDI, static_cast<uint64_t>(static_cast<uint32_t>(info.signo)));
  set_reg(uc, UC_X86_REG_RSI, frame + kSiginfo);
  set_reg(uc, UC_X86_REG_RDX, frame + kUcFlags);
  set_reg(uc, UC_X86_REG_RAX, 0);
  set_reg(uc, UC_X86_REG_RSP, frame);
  set_reg(uc, UC_X86_REG_EFLAGS, eflags & ~(kEflagsDf | kEflagsTf | kEflagsRf));
  set_reg(uc, UC_X86_REG_RIP, action.handler);
  return Ok();
}

Result<uint64_t> pop_x86_64(uc_struct* uc, AddressSpace& mem) {
  const uint64_t frame = reg(uc, UC_X86_REG_RSP) - 8;
  uint8_t f[kFrameSize];
  TRY_VOID(mem.copy_in({frame}, f, kFrameSize));
  const uint8_t* sc = f + kMcontext;
  const uint64_t fp = get64(sc + 8 * kScFpstate);
  uint8_t fx[kFxSize];
  if (fp != 0) {
    if (fp & 15) return Err{EFAULT};  // fxrstor needs 16-byte alignment
    TRY_VOID(mem.copy_in({fp}, fx, kFxSize));
  }

  // Everything is read: only now change registers.
  for (int i = 0; i < 16; i++) set_reg(uc, kGprs[i], get64(sc + 8 * (kScR8 + i)));
  const uint64_t eflags = reg(uc, UC_X86_REG_EFLAGS);
  set_reg(uc, UC_X86_REG_EFLAGS, (eflags & ~kFixEflags) | (get64(sc + 8 * kScEflags) & kFixEflags));
  if (fp != 0) restore_fpu(uc, fx);
  else reset_fpu(uc);
  set_reg(uc, UC_X86_REG_RIP, get64(sc + 8 * kScRip));
  return get64(f + kUcSigmask);
}

}  // namespace sigframe
}  // namespace vmrun
