// riscv64 signal frames, laid out as Linux's struct rt_sigframe
// (arch/riscv/kernel/signal.c) and the uapi ucontext/sigcontext, which
// glibc's ucontext_t mirrors (offsets checked against riscv64 glibc 2.36):
//
//   frame + 0     struct siginfo       128 bytes
//   frame + 128   struct ucontext      960 bytes:
//     +0   uc_flags  +8 uc_link  +16 uc_stack (ss_sp, ss_flags @+24, ss_size @+32)
//     +40  uc_sigmask (8 bytes), then zero padding to 128 bytes of sigset
//     +176 uc_mcontext = struct sigcontext (16-byte aligned):
//          +0   sc_regs: pc, then x1..x31 (ra, sp, gp, tp, t0-t2, s0, s1,
//               a0-a7, s2-s11, t3-t6), 8 bytes each = 256 bytes
//          +256 sc_fpregs: union __riscv_fp_state, 528 bytes (its Q-extension
//               member); we use the D layout: f0..f31 (8 bytes each), then
//               fcsr (4 bytes) at +512; the rest (where newer kernels keep
//               the extension-context header, END = all zero) stays zero.
//   frame + 1088  end
//
// The frame is placed directly below sp (no red zone on riscv), 16-byte
// aligned. Handler entry: a0 = signo, a1 = &info, a2 = &uc, sp = frame,
// ra = the sigreturn trampoline (Linux uses the vDSO; riscv has no
// sa_restorer), pc = handler. rt_sigreturn reads the frame at sp.
//
// pop_riscv64 restores every register including pc and a0; the caller reads
// the PC afterwards if it needs it and must not write a syscall result into
// a0 over the restored value.
#include <unicorn/unicorn.h>

#include <cerrno>
#include <cstring>

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

constexpr uint64_t kSiginfo = 0;
constexpr uint64_t kUc = 128;
constexpr uint64_t kUcFlags = kUc + 0;
constexpr uint64_t kUcLink = kUc + 8;
constexpr uint64_t kUcStackSp = kUc + 16;
constexpr uint64_t kUcStackFlags = kUc + 24;
constexpr uint64_t kUcStackSize = kUc + 32;
constexpr uint64_t kUcSigmask = kUc + 40;
constexpr uint64_t kScRegs = kUc + 176;      // pc, x1..x31
constexpr uint64_t kScFpregs = kScRegs + 256;  // f0..f31
constexpr uint64_t kScFcsr = kScFpregs + 256;
constexpr uint64_t kFrameSize = kUc + 960;  // 1088

int xreg(int n) { return UC_RISCV_REG_X0 + n; }

void put32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
void put64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }
uint32_t get32(const uint8_t* p) { uint32_t v; std::memcpy(&v, p, 4); return v; }
uint64_t get64(const uint8_t* p) { uint64_t v; std::memcpy(&v, p, 8); return v; }

uint64_t reg(uc_struct* uc, int id) {
  uint64_t v = 0;
  uc_reg_read(uc, id, &v);
  return v;
}
void set_reg(uc_struct* uc, int id, uint64_t v) { uc_reg_write(uc, id, &v); }

}  // namespace

Result<void> push_riscv64(uc_struct* uc, AddressSpace& mem, const SignalInfo& info, const SigAction& action,
                          uint64_t saved_mask, const AltStack& alt, uint64_t trampoline) {
  const uint64_t sp = reg(uc, xreg(2));
  StackChoice st = choose_stack(sp, 0, action, alt);
  const uint64_t frame = (st.sp - kFrameSize) & ~uint64_t{15};
  if (frame > st.sp) return Err{EFAULT};  // wrapped below 0
  // Overflowing the alternate stack: SIGSEGV rather than write past it.
  if (st.on_alt && !(frame > st.alt_lo)) return Err{EFAULT};

  uint8_t f[kFrameSize] = {};
  encode_siginfo(info, f + kSiginfo);
  put64(f + kUcFlags, 0);
  put64(f + kUcLink, 0);
  put64(f + kUcStackSp, alt.sp);
  put32(f + kUcStackFlags, static_cast<uint32_t>(st.saved_flags));
  put64(f + kUcStackSize, alt.size);
  put64(f + kUcSigmask, saved_mask);
  put64(f + kScRegs, reg(uc, UC_RISCV_REG_PC));
  for (int i = 1; i < 32; i++) put64(f + kScRegs + 8 * i, reg(uc, xreg(i)));
  for (int i = 0; i < 32; i++) put64(f + kScFpregs + 8 * i, reg(uc, UC_RISCV_REG_F0 + i));
  put32(f + kScFcsr, static_cast<uint32_t>(reg(uc, UC_RISCV_REG_FCSR)));

  TRY_VOID(mem.copy_out({frame}, f, kFrameSize));

  set_reg(uc, xreg(10), static_cast<uint64_t>(static_cast<uint32_t>(info.signo)));
  set_reg(uc, xreg(11), frame + kSiginfo);
  set_reg(uc, xreg(12), frame + kUc);
  set_reg(uc, xreg(2), frame);
  set_reg(uc, xreg(1), trampoline);
  set_reg(uc, UC_RISCV_REG_PC, action.handler);
  return Ok();
}

Result<uint64_t> pop_riscv64(uc_struct* uc, AddressSpace& mem) {
  const uint64_t frame = reg(uc, xreg(2));
  uint8_t f[kFrameSize];
  TRY_VOID(mem.copy_in({frame}, f, kFrameSize));
  for (int i = 1; i < 32; i++) set_reg(uc, xreg(i), get64(f + kScRegs + 8 * i));
  for (int i = 0; i < 32; i++) set_reg(uc, UC_RISCV_REG_F0 + i, get64(f + kScFpregs + 8 * i));
  set_reg(uc, UC_RISCV_REG_FCSR, get32(f + kScFcsr) & 0xff);  // frm (7:5) | fflags (4:0)
  set_reg(uc, UC_RISCV_REG_PC, get64(f + kScRegs));
  return get64(f + kUcSigmask);
}

}  // namespace sigframe

Result<void> map_riscv_sigreturn_trampoline(AddressSpace& mem) {
  // addi a7, zero, 139 (li a7, __NR_rt_sigreturn): imm[31:20] rs1=0 funct3=0 rd=17 opcode 0x13
  constexpr uint32_t kLiA7 = (139u << 20) | (17u << 7) | 0x13;
  constexpr uint32_t kEcall = 0x00000073;
  const uint32_t code[2] = {kLiA7, kEcall};
  uint8_t page[kPageSize] = {};
  std::memcpy(page, code, sizeof code);
  return mem.map_content(kRiscvSigreturnTrampoline, kPageSize, kProtRead | kProtExec, "[vdso]", page);
}

}  // namespace vmrun
