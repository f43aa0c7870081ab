// Signal frames: push_signal_frame lays out the kernel's rt_sigframe for
// each architecture (checked against the C library's ucontext_t layout),
// points the registers at the handler, and pop_signal_frame restores every
// register and the mask. Also: SA_ONSTACK, EFAULT cases, and one end-to-end
// handler run per architecture under Unicorn.
#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/ucontext.h>
#include <unicorn/unicorn.h>

#include <cstddef>
#include <cstring>
#include <vector>

#include "emu/mm/guest_memory.h"
#include "emu/arch/signal_frame.h"

using namespace vmrun;

namespace {

constexpr uint64_t kSaSiginfo = 0x4, kSaOnstack = 0x08000000, kSaRestorer = 0x04000000;

uint64_t rd(uc_engine* uc, int id) {
  uint64_t v = 0;
  uc_reg_read(uc, id, &v);
  return v;
}
void wr(uc_engine* uc, int id, uint64_t v) { uc_reg_write(uc, id, &v); }

template <class T>
T peek(AddressSpace& mem, uint64_t addr) {
  T v{};
  REQUIRE(mem.copy_in({addr}, &v, sizeof v).ok());
  return v;
}

// ---------------------------------------------------------------- x86-64

constexpr uint64_t kX86Top = 0x7ffffffff000ull;
constexpr uint64_t kX86Stack = 0x7ffff0000000ull;  // 64 KiB
constexpr uint64_t kX86StackSize = 0x10000;

struct X86 {
  uc_engine* uc = nullptr;
  X86() {
    REQUIRE(uc_open(UC_ARCH_X86, UC_MODE_64, &uc) == UC_ERR_OK);
    REQUIRE(uc_ctl_set_cpu_model(uc, UC_CPU_X86_NEHALEM) == UC_ERR_OK);
    wr(uc, UC_X86_REG_CR4, rd(uc, UC_X86_REG_CR4) | 0x600);
    wr(uc, UC_X86_REG_FPCW, 0x37f);
    wr(uc, UC_X86_REG_MXCSR, 0x1f80);
  }
  ~X86() { uc_close(uc); }
};

constexpr int kX86Gprs[16] = {UC_X86_REG_R8,  UC_X86_REG_R9,  UC_X86_REG_R10, UC_X86_REG_R11,
                              UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
                              UC_X86_REG_RDI, UC_X86_REG_RSI, UC_X86_REG_RBP, UC_X86_REG_RBX,
                              UC_X86_REG_RDX, UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RSP};
// glibc's REG_* index for each entry of kX86Gprs.
constexpr int kGlibcIdx[16] = {REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
                               REG_RDI, REG_RSI, REG_RBP, REG_RBX, REG_RDX, REG_RAX, REG_RCX, REG_RSP};

struct X86State {
  uint64_t gpr[16], rip, eflags, fpcw, fpsw, fptag, mxcsr;
  uint8_t st[8][10], xmm[16][16];
  bool operator==(const X86State& o) const {
    return std::memcmp(gpr, o.gpr, sizeof gpr) == 0 && rip == o.rip && eflags == o.eflags && fpcw == o.fpcw &&
           fpsw == o.fpsw && fptag == o.fptag && mxcsr == o.mxcsr && std::memcmp(st, o.st, sizeof st) == 0 &&
           std::memcmp(xmm, o.xmm, sizeof xmm) == 0;
  }
};

X86State x86_state(uc_engine* uc) {
  X86State s{};
  for (int i = 0; i < 16; i++) s.gpr[i] = rd(uc, kX86Gprs[i]);
  s.rip = rd(uc, UC_X86_REG_RIP);
  s.eflags = rd(uc, UC_X86_REG_EFLAGS);
  s.fpcw = rd(uc, UC_X86_REG_FPCW);
  s.fpsw = rd(uc, UC_X86_REG_FPSW);
  s.fptag = rd(uc, UC_X86_REG_FPTAG);
  s.mxcsr = rd(uc, UC_X86_REG_MXCSR);
  for (int i = 0; i < 8; i++) {
    uint8_t b[16] = {};
    uc_reg_read(uc, UC_X86_REG_ST0 + i, b);
    std::memcpy(s.st[i], b, 10);
  }
  for (int i = 0; i < 16; i++) uc_reg_read(uc, UC_X86_REG_XMM0 + i, s.xmm[i]);
  return s;
}

// Distinctive values in every register the frame saves.
void x86_fill(uc_engine* uc, uint64_t rsp) {
  for (int i = 0; i < 15; i++) wr(uc, kX86Gprs[i], 0x1100000000000000ull * (i + 1) + 0x0123456789ull * (i + 7));
  wr(uc, UC_X86_REG_RSP, rsp);
  wr(uc, UC_X86_REG_RIP, 0x401234);
  wr(uc, UC_X86_REG_EFLAGS, 0x202 | 0x400 /*DF*/ | 0x80 /*SF*/ | 0x1 /*CF*/ | 0x800 /*OF*/);
  wr(uc, UC_X86_REG_FPCW, 0x27f);
  wr(uc, UC_X86_REG_FPSW, (5u << 11) | 0x20);  // TOP = 5, precision flag
  for (int i = 0; i < 8; i++) {
    uint8_t b[10];
    uint64_t mant = 0x8000000000000000ull | (0x1111111111ull * (i + 1));
    uint16_t exp = static_cast<uint16_t>(0x3fff + i);
    std::memcpy(b, &mant, 8);
    std::memcpy(b + 8, &exp, 2);
    uc_reg_write(uc, UC_X86_REG_ST0 + i, b);
  }
  wr(uc, UC_X86_REG_FPTAG, 0xc03f);  // physical 3..6 valid-ish, 0..2 and 7 empty
  wr(uc, UC_X86_REG_MXCSR, 0x7f80 | 0x1);
  for (int i = 0; i < 16; i++) {
    uint8_t x[16];
    for (int k = 0; k < 16; k++) x[k] = static_cast<uint8_t>(i * 16 + k + 1);
    uc_reg_write(uc, UC_X86_REG_XMM0 + i, x);
  }
}

void x86_clobber(uc_engine* uc) {
  for (int i = 0; i < 15; i++) wr(uc, kX86Gprs[i], 0xdeadbeef00ull + i);
  wr(uc, UC_X86_REG_EFLAGS, 0x202);
  wr(uc, UC_X86_REG_FPCW, 0x37f);
  wr(uc, UC_X86_REG_FPSW, 0);
  wr(uc, UC_X86_REG_FPTAG, 0xffff);
  wr(uc, UC_X86_REG_MXCSR, 0x1f80);
  uint8_t zero[16] = {};
  for (int i = 0; i < 8; i++) uc_reg_write(uc, UC_X86_REG_ST0 + i, zero);
  for (int i = 0; i < 16; i++) uc_reg_write(uc, UC_X86_REG_XMM0 + i, zero);
  wr(uc, UC_X86_REG_RIP, 0x999999);
}

SigAction x86_action(uint64_t extra_flags = 0) {
  SigAction a;
  a.handler = 0x402000;
  a.flags = kSaSiginfo | kSaRestorer | extra_flags;
  a.restorer = 0x403000;
  return a;
}

// ---------------------------------------------------------------- riscv64

constexpr uint64_t kRvTop = 0x4000000000ull;
constexpr uint64_t kRvStack = 0x3ff0000000ull;
constexpr uint64_t kRvStackSize = 0x10000;

// Offsets glibc uses (riscv64 glibc 2.36, measured with offsetof() under
// qemu-riscv64; the kernel's uapi ucontext/sigcontext give the same):
// rt_sigframe = { siginfo (128), ucontext }, ucontext = uc_flags @0,
// uc_link @8, uc_stack @16 (ss_flags @24, ss_size @32), uc_sigmask @40
// (glibc reserves 128 bytes), uc_mcontext @176: __gregs[32] (REG_PC = 0,
// x_i = i), then __fpregs.__d: __f[32] @432, __fcsr @688. sizeof = 960.
constexpr uint64_t kRvUc = 128;
constexpr uint64_t kRvUcStackSp = 16, kRvUcStackFlags = 24, kRvUcStackSize = 32, kRvUcSigmask = 40,
                   kRvGregs = 176, kRvFregs = 432, kRvFcsr = 688, kRvUcSize = 960;

struct Rv {
  uc_engine* uc = nullptr;
  Rv() {
    REQUIRE(uc_open(UC_ARCH_RISCV, UC_MODE_RISCV64, &uc) == UC_ERR_OK);
    wr(uc, UC_RISCV_REG_MSTATUS, rd(uc, UC_RISCV_REG_MSTATUS) | 0x6000);
  }
  ~Rv() { uc_close(uc); }
};

int xreg(int n) { return UC_RISCV_REG_X0 + n; }

struct RvState {
  uint64_t x[32], f[32], pc, fcsr;
  bool operator==(const RvState& o) const {
    return std::memcmp(x, o.x, sizeof x) == 0 && std::memcmp(f, o.f, sizeof f) == 0 && pc == o.pc &&
           fcsr == o.fcsr;
  }
};

RvState rv_state(uc_engine* uc) {
  RvState s{};
  for (int i = 0; i < 32; i++) s.x[i] = rd(uc, xreg(i));
  for (int i = 0; i < 32; i++) s.f[i] = rd(uc, UC_RISCV_REG_F0 + i);
  s.pc = rd(uc, UC_RISCV_REG_PC);
  s.fcsr = rd(uc, UC_RISCV_REG_FCSR);
  return s;
}

void rv_fill(uc_engine* uc, uint64_t sp) {
  for (int i = 1; i < 32; i++) wr(uc, xreg(i), 0x0100000000000000ull * i + 0x1234567ull * (i + 3));
  wr(uc, xreg(2), sp);
  for (int i = 0; i < 32; i++) wr(uc, UC_RISCV_REG_F0 + i, 0x4000000000000000ull + 0x10001ull * (i + 1));
  wr(uc, UC_RISCV_REG_FCSR, 0x85);  // frm = RMM (4), fflags NV|NX... (0x05)
  wr(uc, UC_RISCV_REG_PC, 0x10100);
}

void rv_clobber(uc_engine* uc) {
  for (int i = 1; i < 32; i++)
    if (i != 2) wr(uc, xreg(i), 0xdead0000ull + i);
  for (int i = 0; i < 32; i++) wr(uc, UC_RISCV_REG_F0 + i, 0);
  wr(uc, UC_RISCV_REG_FCSR, 0);
  wr(uc, UC_RISCV_REG_PC, 0x999990);
}

uint32_t itype(int32_t imm, int rs1, int f3, int rd_, int op) {
  return (static_cast<uint32_t>(imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd_ << 7) | op;
}

}  // namespace

// ================================================================ x86-64

TEST_CASE("x86-64 signal frame matches glibc's ucontext and round-trips every register", "[signal]") {
  X86 e;
  AddressSpace mem(e.uc, 0, kX86Top);
  REQUIRE(mem.map_fixed(kX86Stack, kX86StackSize, kProtRead | kProtWrite).ok());
  const uint64_t rsp = kX86Stack + 0x8000 - 0x38;  // deliberately not 16-byte aligned
  x86_fill(e.uc, rsp);
  const X86State before = x86_state(e.uc);
  REQUIRE(before.xmm[15][0] == 0xf1);
  REQUIRE((before.fpsw >> 11 & 7) == 5);

  SignalInfo info;
  info.signo = SIGUSR1;
  info.code = 0;  // SI_USER
  info.pid = 42;
  info.uid = 1000;
  const uint64_t mask = 0x8000000000000201ull;
  REQUIRE(push_signal_frame(Arch::X86_64, e.uc, mem, info, x86_action(), mask, AltStack{}, 0).ok());

  // Handler entry.
  const uint64_t frame = rd(e.uc, UC_X86_REG_RSP);
  CHECK(rd(e.uc, UC_X86_REG_RIP) == 0x402000);
  CHECK(rd(e.uc, UC_X86_REG_RDI) == SIGUSR1);
  CHECK(rd(e.uc, UC_X86_REG_RSI) == frame + 312);
  CHECK(rd(e.uc, UC_X86_REG_RDX) == frame + 8);
  CHECK(rd(e.uc, UC_X86_REG_RAX) == 0);
  CHECK((frame + 8) % 16 == 0);
  CHECK(frame + 440 + 512 <= rsp - 128);  // below the red zone, room for frame + fpstate
  CHECK(rsp - frame < 128 + 440 + 512 + 64 + 16 + 8);
  CHECK((rd(e.uc, UC_X86_REG_EFLAGS) & 0x400) == 0);  // DF cleared
  CHECK(peek<uint64_t>(mem, frame) == 0x403000);  // return address = sa_restorer

  // The ucontext as glibc sees it (host <sys/ucontext.h>: the host is x86-64).
  static_assert(offsetof(ucontext_t, uc_mcontext.gregs[REG_RIP]) == 40 + 16 * 8);
  static_assert(offsetof(ucontext_t, uc_sigmask) == 296);
  ucontext_t uc;
  std::memset(&uc, 0, sizeof uc);
  REQUIRE(mem.copy_in({frame + 8}, &uc, offsetof(ucontext_t, uc_sigmask) + 8).ok());
  for (int i = 0; i < 16; i++) CHECK(static_cast<uint64_t>(uc.uc_mcontext.gregs[kGlibcIdx[i]]) == before.gpr[i]);
  CHECK(static_cast<uint64_t>(uc.uc_mcontext.gregs[REG_RIP]) == 0x401234);
  CHECK(static_cast<uint64_t>(uc.uc_mcontext.gregs[REG_EFL]) == before.eflags);
  CHECK((static_cast<uint64_t>(uc.uc_mcontext.gregs[REG_CSGSFS]) & 0xffff) == 0x33);
  CHECK(static_cast<uint64_t>(uc.uc_mcontext.gregs[REG_OLDMASK]) == mask);
  CHECK(uc.uc_sigmask.__val[0] == mask);
  CHECK(uc.uc_flags == 6);
  CHECK(uc.uc_link == nullptr);
  CHECK(uc.uc_stack.ss_flags == SS_DISABLE);
  const uint64_t fp = reinterpret_cast<uint64_t>(uc.uc_mcontext.fpregs);
  CHECK(fp % 64 == 0);
  CHECK(fp >= frame + 440);
  CHECK(fp + 512 <= rsp - 128);

  // The FXSAVE image as glibc's struct _libc_fpstate.
  _libc_fpstate fx;
  REQUIRE(mem.copy_in({fp}, &fx, sizeof fx).ok());
  CHECK(fx.cwd == 0x27f);
  CHECK(fx.swd == before.fpsw);
  CHECK(fx.mxcsr == 0x7f81);
  CHECK(fx.ftw == 0x78);  // abridged: physical 3..6 not empty
  CHECK(std::memcmp(&fx._xmm[15], before.xmm[15], 16) == 0);
  CHECK(std::memcmp(&fx._xmm[0], before.xmm[0], 16) == 0);
  CHECK(std::memcmp(&fx._st[2], before.st[2], 10) == 0);

  // siginfo as glibc sees it.
  siginfo_t si;
  REQUIRE(mem.copy_in({frame + 312}, &si, sizeof si).ok());
  CHECK(si.si_signo == SIGUSR1);
  CHECK(si.si_code == 0);
  CHECK(si.si_pid == 42);
  CHECK(si.si_uid == 1000);

  // The handler returns: `ret` pops pretcode; rt_sigreturn restores.
  x86_clobber(e.uc);
  wr(e.uc, UC_X86_REG_RSP, frame + 8);
  auto popped = pop_signal_frame(Arch::X86_64, e.uc, mem);
  REQUIRE(popped.ok());
  CHECK(*popped == mask);
  const X86State after = x86_state(e.uc);
  for (int i = 0; i < 16; i++) CHECK(after.gpr[i] == before.gpr[i]);
  CHECK(after.rip == before.rip);
  CHECK(after.eflags == before.eflags);
  CHECK(after.fpcw == before.fpcw);
  CHECK(after.fpsw == before.fpsw);
  CHECK(after.fptag == before.fptag);
  CHECK(after.mxcsr == before.mxcsr);
  CHECK(std::memcmp(after.st, before.st, sizeof after.st) == 0);
  CHECK(std::memcmp(after.xmm, before.xmm, sizeof after.xmm) == 0);
  CHECK(after == before);
}

TEST_CASE("x86-64 rt_sigreturn honours what the handler changed in the ucontext", "[signal]") {
  X86 e;
  AddressSpace mem(e.uc, 0, kX86Top);
  REQUIRE(mem.map_fixed(kX86Stack, kX86StackSize, kProtRead | kProtWrite).ok());
  x86_fill(e.uc, kX86Stack + 0x8000);
  SignalInfo info;
  info.signo = SIGSEGV;
  info.code = 1;  // SEGV_MAPERR
  info.addr = 0xdead000;
  REQUIRE(push_signal_frame(Arch::X86_64, e.uc, mem, info, x86_action(), 0, AltStack{}, 0).ok());
  const uint64_t frame = rd(e.uc, UC_X86_REG_RSP);
  siginfo_t si;
  REQUIRE(mem.copy_in({frame + 312}, &si, sizeof si).ok());
  CHECK(si.si_signo == SIGSEGV);
  CHECK(si.si_code == 1);
  CHECK(reinterpret_cast<uint64_t>(si.si_addr) == 0xdead000);
  const uint64_t uc = frame + 8;
  CHECK(peek<uint64_t>(mem, uc + offsetof(ucontext_t, uc_mcontext.gregs[REG_CR2])) == 0xdead000);
  CHECK(peek<uint64_t>(mem, uc + offsetof(ucontext_t, uc_mcontext.gregs[REG_TRAPNO])) == 14);

  // A handler that skips the faulting instruction, sets rax, changes the
  // mask, sets the trap flag's neighbour flags and tries to set IOPL.
  const uint64_t rip_off = uc + offsetof(ucontext_t, uc_mcontext.gregs[REG_RIP]);
  REQUIRE(mem.write<uint64_t>({rip_off}, 0x401240).ok());
  REQUIRE(mem.write<uint64_t>({uc + offsetof(ucontext_t, uc_mcontext.gregs[REG_RAX])}, 77).ok());
  REQUIRE(mem.write<uint64_t>({uc + offsetof(ucontext_t, uc_sigmask)}, 0x5).ok());
  REQUIRE(mem.write<uint64_t>({uc + offsetof(ucontext_t, uc_mcontext.gregs[REG_EFL])}, 0x3000 | 0x40 | 0x2).ok());
  wr(e.uc, UC_X86_REG_RSP, frame + 8);
  auto popped = pop_signal_frame(Arch::X86_64, e.uc, mem);
  REQUIRE(popped.ok());
  CHECK(*popped == 0x5);
  CHECK(rd(e.uc, UC_X86_REG_RIP) == 0x401240);
  CHECK(rd(e.uc, UC_X86_REG_RAX) == 77);
  const uint64_t fl = rd(e.uc, UC_X86_REG_EFLAGS);
  CHECK((fl & 0x40) != 0);      // ZF taken from the frame
  CHECK((fl & 0x3000) == 0);    // IOPL is not user-modifiable
  CHECK((fl & 0x1) == 0);       // CF cleared as the frame says
}

TEST_CASE("x86-64 SA_ONSTACK uses the alternate stack", "[signal]") {
  X86 e;
  AddressSpace mem(e.uc, 0, kX86Top);
  REQUIRE(mem.map_fixed(kX86Stack, kX86StackSize, kProtRead | kProtWrite).ok());
  const uint64_t alt_base = 0x7fffe0000000ull;
  REQUIRE(mem.map_fixed(alt_base, 0x4000, kProtRead | kProtWrite).ok());
  AltStack alt;
  alt.sp = alt_base;
  alt.size = 0x4000;
  alt.flags = 0;
  const uint64_t rsp = kX86Stack + 0x8000;
  x86_fill(e.uc, rsp);
  SignalInfo info;
  info.signo = SIGUSR2;

  SECTION("entering the alternate stack") {
    REQUIRE(push_signal_frame(Arch::X86_64, e.uc, mem, info, x86_action(kSaOnstack), 0, alt, 0).ok());
    const uint64_t frame = rd(e.uc, UC_X86_REG_RSP);
    CHECK(frame > alt.sp);
    CHECK(frame + 440 + 512 <= alt.sp + alt.size);
    CHECK((frame + 8) % 16 == 0);
    stack_t ss;
    REQUIRE(mem.copy_in({frame + 8 + offsetof(ucontext_t, uc_stack)}, &ss, sizeof ss).ok());
    CHECK(reinterpret_cast<uint64_t>(ss.ss_sp) == alt.sp);
    CHECK(ss.ss_size == alt.size);
    CHECK(ss.ss_flags == 0);  // the interrupted code was not on it
    // The saved rsp is the interrupted one, which pop restores.
    wr(e.uc, UC_X86_REG_RSP, frame + 8);
    REQUIRE(pop_signal_frame(Arch::X86_64, e.uc, mem).ok());
    CHECK(rd(e.uc, UC_X86_REG_RSP) == rsp);
  }
  SECTION("already on it: nest below the current rsp, flags SS_ONSTACK") {
    const uint64_t inner = alt.sp + 0x3000;
    wr(e.uc, UC_X86_REG_RSP, inner);
    REQUIRE(push_signal_frame(Arch::X86_64, e.uc, mem, info, x86_action(kSaOnstack), 0, alt, 0).ok());
    const uint64_t frame = rd(e.uc, UC_X86_REG_RSP);
    CHECK(frame + 440 + 512 <= inner - 128);
    CHECK(frame > alt.sp);
    CHECK(peek<int32_t>(mem, frame + 8 + offsetof(ucontext_t, uc_stack.ss_flags)) == SS_ONSTACK);
  }
  SECTION("without SA_ONSTACK the normal stack is used") {
    REQUIRE(push_signal_frame(Arch::X86_64, e.uc, mem, info, x86_action(), 0, alt, 0).ok());
    const uint64_t frame = rd(e.uc, UC_X86_REG_RSP);
    CHECK(frame < rsp);
    CHECK(frame > kX86Stack);
  }
  SECTION("an alternate stack too small for the frame is a fault") {
    alt.size = 0x300;
    const X86State before = x86_state(e.uc);
    CHECK(push_signal_frame(Arch::X86_64, e.uc, mem, info, x86_action(kSaOnstack), 0, alt, 0).error() == EFAULT);
    CHECK(x86_state(e.uc) == before);
  }
}

TEST_CASE("x86-64 frames fault on a bad stack or a missing restorer", "[signal]") {
  X86 e;
  AddressSpace mem(e.uc, 0, kX86Top);
  SignalInfo info;
  info.signo = SIGTERM;
  SECTION("unmapped stack") {
    x86_fill(e.uc, 0x10000000);
    const X86State before = x86_state(e.uc);
    CHECK(push_signal_frame(Arch::X86_64, e.uc, mem, info, x86_action(), 0, AltStack{}, 0).error() == EFAULT);
    CHECK(x86_state(e.uc) == before);
  }
  SECTION("read-only stack") {
    REQUIRE(mem.map_fixed(kX86Stack, kX86StackSize, kProtRead).ok());
    x86_fill(e.uc, kX86Stack + 0x8000);
    CHECK(push_signal_frame(Arch::X86_64, e.uc, mem, info, x86_action(), 0, AltStack{}, 0).error() == EFAULT);
    CHECK(rd(e.uc, UC_X86_REG_RIP) == 0x401234);
  }
  SECTION("a stack pointer near zero does not wrap around") {
    x86_fill(e.uc, 0x100);
    CHECK(push_signal_frame(Arch::X86_64, e.uc, mem, info, x86_action(), 0, AltStack{}, 0).error() == EFAULT);
  }
  SECTION("no SA_RESTORER") {
    REQUIRE(mem.map_fixed(kX86Stack, kX86StackSize, kProtRead | kProtWrite).ok());
    x86_fill(e.uc, kX86Stack + 0x8000);
    SigAction a = x86_action();
    a.flags &= ~kSaRestorer;
    CHECK(push_signal_frame(Arch::X86_64, e.uc, mem, info, a, 0, AltStack{}, 0).error() == EFAULT);
    CHECK(rd(e.uc, UC_X86_REG_RIP) == 0x401234);
  }
  SECTION("rt_sigreturn with an unreadable frame") {
    x86_fill(e.uc, 0x10000000);
    CHECK(pop_signal_frame(Arch::X86_64, e.uc, mem).error() == EFAULT);
    CHECK(rd(e.uc, UC_X86_REG_RIP) == 0x401234);
  }
}

namespace {
struct X86Run {
  AddressSpace* mem;
  bool returned = false;
  uint64_t restored_rip = 0, mask = 0, r15 = 0, r13 = 0, r12 = 0, xmm0_lo = 1;
};
void x86_on_syscall(uc_engine* uc, void* p) {
  auto* run = static_cast<X86Run*>(p);
  if (rd(uc, UC_X86_REG_RAX) != 15) return;  // rt_sigreturn
  run->r15 = rd(uc, UC_X86_REG_R15);
  run->r13 = rd(uc, UC_X86_REG_R13);
  run->r12 = rd(uc, UC_X86_REG_R12);
  uint64_t x[2];
  uc_reg_read(uc, UC_X86_REG_XMM0, x);
  run->xmm0_lo = x[0];
  auto r = pop_signal_frame(Arch::X86_64, uc, *run->mem);
  REQUIRE(r.ok());
  run->mask = *r;
  run->restored_rip = rd(uc, UC_X86_REG_RIP);  // Unicorn adds 2 after this hook: restart there
  run->returned = true;
  uc_emu_stop(uc);
}
}  // namespace

TEST_CASE("x86-64 end to end: a guest handler runs and returns through sa_restorer", "[signal]") {
  X86 e;
  AddressSpace mem(e.uc, 0, kX86Top);
  REQUIRE(mem.map_fixed(kX86Stack, kX86StackSize, kProtRead | kProtWrite).ok());
  const uint64_t code = 0x400000;
  REQUIRE(mem.map_fixed(code, kPageSize, kProtRead | kProtExec).ok());
  const uint8_t main_code[] = {0x49, 0x89, 0xde, 0xf4};  // mov r14, rbx; hlt
  const uint8_t handler[] = {
      0x49, 0x89, 0xff,                          // mov r15, rdi         (signo)
      0x4c, 0x8b, 0xaa, 0xa8, 0x00, 0x00, 0x00,  // mov r13, [rdx+0xa8] (uc_mcontext.gregs[REG_RIP])
      0x49, 0x89, 0xe4,                          // mov r12, rsp
      0x48, 0xc7, 0xc3, 0x99, 0x09, 0x00, 0x00,  // mov rbx, 0x999      (clobber)
      0x66, 0x0f, 0xef, 0xc0,                    // pxor xmm0, xmm0     (clobber)
      0x48, 0x83, 0xec, 0x18,                    // sub rsp, 24
      0x0f, 0x29, 0x04, 0x24,                    // movaps [rsp], xmm0 (faults unless aligned)
      0x48, 0x83, 0xc4, 0x18,                    // add rsp, 24
      0xc3,                                      // ret
  };
  const uint8_t restorer[] = {0xb8, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05};  // mov eax, 15; syscall
  REQUIRE(mem.fill(code, main_code, sizeof main_code).ok());
  REQUIRE(mem.fill(code + 0x100, handler, sizeof handler).ok());
  REQUIRE(mem.fill(code + 0x200, restorer, sizeof restorer).ok());

  x86_fill(e.uc, kX86Stack + 0x8000 - 8);
  wr(e.uc, UC_X86_REG_RIP, code);
  wr(e.uc, UC_X86_REG_RBX, 0x5555);
  wr(e.uc, UC_X86_REG_EFLAGS, 0x202);
  const X86State before = x86_state(e.uc);

  X86Run run{&mem};
  uc_hook h;
  REQUIRE(uc_hook_add(e.uc, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&x86_on_syscall), &run, 1, 0,
                      UC_X86_INS_SYSCALL) == UC_ERR_OK);
  SigAction a;
  a.handler = code + 0x100;
  a.flags = kSaSiginfo | kSaRestorer;
  a.restorer = code + 0x200;
  SignalInfo info;
  info.signo = SIGALRM;
  REQUIRE(push_signal_frame(Arch::X86_64, e.uc, mem, info, a, 0x2000, AltStack{}, 0).ok());
  REQUIRE(uc_emu_start(e.uc, a.handler, 0, 0, 100) == UC_ERR_OK);
  REQUIRE(run.returned);
  CHECK(run.r15 == SIGALRM);
  CHECK(run.r13 == code);
  CHECK((run.r12 + 8) % 16 == 0);
  CHECK(run.xmm0_lo == 0);
  CHECK(run.mask == 0x2000);
  CHECK(run.restored_rip == code);
  X86State after = x86_state(e.uc);
  after.rip = run.restored_rip;
  CHECK(after == before);

  REQUIRE(uc_emu_start(e.uc, run.restored_rip, code + 3, 0, 10) == UC_ERR_OK);
  CHECK(rd(e.uc, UC_X86_REG_R14) == 0x5555);
}

// ================================================================ riscv64

TEST_CASE("riscv64 signal frame has the kernel/glibc layout and round-trips every register", "[signal]") {
  Rv e;
  AddressSpace mem(e.uc, 0, kRvTop);
  REQUIRE(mem.map_fixed(kRvStack, kRvStackSize, kProtRead | kProtWrite).ok());
  const uint64_t sp = kRvStack + 0x8000 - 0x28;
  rv_fill(e.uc, sp);
  const RvState before = rv_state(e.uc);
  REQUIRE(before.fcsr == 0x85);

  SignalInfo info;
  info.signo = SIGCHLD;
  info.code = 1;  // CLD_EXITED
  info.pid = 77;
  info.uid = 5;
  info.status = 3;
  const uint64_t mask = 0x4001;
  REQUIRE(push_signal_frame(Arch::RiscV64, e.uc, mem, info, SigAction{0x20000, kSaSiginfo, 0, 0}, mask, AltStack{},
                            kRiscvSigreturnTrampoline)
              .ok());
  const uint64_t frame = rd(e.uc, xreg(2));
  CHECK(frame % 16 == 0);
  CHECK(frame + 128 + kRvUcSize <= sp);
  CHECK(sp - frame < 128 + kRvUcSize + 16);
  CHECK(rd(e.uc, UC_RISCV_REG_PC) == 0x20000);
  CHECK(rd(e.uc, xreg(1)) == kRiscvSigreturnTrampoline);
  CHECK(rd(e.uc, xreg(10)) == SIGCHLD);
  CHECK(rd(e.uc, xreg(11)) == frame);
  CHECK(rd(e.uc, xreg(12)) == frame + kRvUc);

  const uint64_t uc = frame + kRvUc;
  CHECK(peek<uint64_t>(mem, uc + kRvGregs) == 0x10100);  // __gregs[REG_PC]
  for (int i = 1; i < 32; i++) CHECK(peek<uint64_t>(mem, uc + kRvGregs + 8 * i) == before.x[i]);
  for (int i = 0; i < 32; i++) CHECK(peek<uint64_t>(mem, uc + kRvFregs + 8 * i) == before.f[i]);
  CHECK(peek<uint32_t>(mem, uc + kRvFcsr) == 0x85);
  CHECK(peek<uint64_t>(mem, uc + kRvUcSigmask) == mask);
  CHECK(peek<uint64_t>(mem, uc + kRvUcStackSp) == 0);
  CHECK(peek<int32_t>(mem, uc + kRvUcStackFlags) == SS_DISABLE);
  CHECK(peek<uint64_t>(mem, uc + kRvUcStackSize) == 0);
  // Generic siginfo, SIGCHLD member.
  CHECK(peek<int32_t>(mem, frame + 0) == SIGCHLD);
  CHECK(peek<int32_t>(mem, frame + 8) == 1);
  CHECK(peek<int32_t>(mem, frame + 16) == 77);
  CHECK(peek<uint32_t>(mem, frame + 20) == 5);
  CHECK(peek<int32_t>(mem, frame + 24) == 3);

  rv_clobber(e.uc);
  auto popped = pop_signal_frame(Arch::RiscV64, e.uc, mem);
  REQUIRE(popped.ok());
  CHECK(*popped == mask);
  const RvState after = rv_state(e.uc);
  for (int i = 0; i < 32; i++) CHECK(after.x[i] == before.x[i]);
  for (int i = 0; i < 32; i++) CHECK(after.f[i] == before.f[i]);
  CHECK(after.pc == before.pc);
  CHECK(after.fcsr == before.fcsr);
}

TEST_CASE("riscv64 SA_ONSTACK and faults", "[signal]") {
  Rv e;
  AddressSpace mem(e.uc, 0, kRvTop);
  REQUIRE(mem.map_fixed(kRvStack, kRvStackSize, kProtRead | kProtWrite).ok());
  const uint64_t alt_base = 0x3fe0000000ull;
  REQUIRE(mem.map_fixed(alt_base, 0x2000, kProtRead | kProtWrite).ok());
  AltStack alt;
  alt.sp = alt_base;
  alt.size = 0x2000;
  alt.flags = 0;
  const uint64_t sp = kRvStack + 0x8000;
  rv_fill(e.uc, sp);
  SignalInfo info;
  info.signo = SIGSEGV;
  info.code = 2;  // SEGV_ACCERR
  info.addr = 0x1234;
  SigAction a{0x20000, kSaSiginfo | kSaOnstack, 0, 0};

  SECTION("entering the alternate stack") {
    REQUIRE(push_signal_frame(Arch::RiscV64, e.uc, mem, info, a, 0, alt, kRiscvSigreturnTrampoline).ok());
    const uint64_t frame = rd(e.uc, xreg(2));
    CHECK(frame > alt.sp);
    CHECK(frame + 128 + kRvUcSize <= alt.sp + alt.size);
    CHECK(peek<uint64_t>(mem, frame + kRvUc + kRvUcStackSp) == alt.sp);
    CHECK(peek<int32_t>(mem, frame + kRvUc + kRvUcStackFlags) == 0);
    CHECK(peek<uint64_t>(mem, frame + kRvUc + kRvUcStackSize) == alt.size);
    CHECK(peek<uint64_t>(mem, frame + 16) == 0x1234);  // si_addr
    REQUIRE(pop_signal_frame(Arch::RiscV64, e.uc, mem).ok());
    CHECK(rd(e.uc, xreg(2)) == sp);
  }
  SECTION("already on it") {
    wr(e.uc, xreg(2), alt.sp + 0x600);
    REQUIRE(push_signal_frame(Arch::RiscV64, e.uc, mem, info, a, 0, alt, kRiscvSigreturnTrampoline).ok());
    const uint64_t frame = rd(e.uc, xreg(2));
    CHECK(frame + 128 + kRvUcSize <= alt.sp + 0x600);
    CHECK(peek<int32_t>(mem, frame + kRvUc + kRvUcStackFlags) == SS_ONSTACK);
    // A second nested frame no longer fits: SIGSEGV rather than overflow.
    CHECK(push_signal_frame(Arch::RiscV64, e.uc, mem, info, a, 0, alt, kRiscvSigreturnTrampoline).error() ==
          EFAULT);
  }
  SECTION("disabled alternate stack is ignored") {
    alt.flags = SS_DISABLE;
    REQUIRE(push_signal_frame(Arch::RiscV64, e.uc, mem, info, a, 0, alt, kRiscvSigreturnTrampoline).ok());
    CHECK(rd(e.uc, xreg(2)) < sp);
    CHECK(rd(e.uc, xreg(2)) > kRvStack);
  }
  SECTION("unmapped stack") {
    wr(e.uc, xreg(2), 0x20000000);
    a.flags = kSaSiginfo;
    const RvState before = rv_state(e.uc);
    CHECK(push_signal_frame(Arch::RiscV64, e.uc, mem, info, a, 0, alt, kRiscvSigreturnTrampoline).error() ==
          EFAULT);
    CHECK(rv_state(e.uc) == before);
    CHECK(pop_signal_frame(Arch::RiscV64, e.uc, mem).error() == EFAULT);
    CHECK(rv_state(e.uc) == before);
  }
}

TEST_CASE("riscv64 sigreturn trampoline page", "[signal]") {
  Rv e;
  AddressSpace mem(e.uc, 0, kRvTop);
  REQUIRE(map_riscv_sigreturn_trampoline(mem).ok());
  const Vma* v = mem.vma_at(kRiscvSigreturnTrampoline);
  REQUIRE(v != nullptr);
  CHECK(v->prot == (kProtRead | kProtExec));
  uint32_t insn[2];
  REQUIRE(mem.peek(kRiscvSigreturnTrampoline, insn, sizeof insn).ok());
  CHECK(insn[0] == 0x08b00893);  // li a7, 139 (addi a7, zero, 139)
  CHECK(insn[1] == 0x00000073);  // ecall
}

namespace {
struct RvRun {
  AddressSpace* mem;
  bool returned = false;
  uint64_t restored_pc = 0, mask = 0, s11 = 0, t6 = 0, s10 = 0, f0 = 1;
};
void rv_on_intr(uc_engine* uc, uint32_t intno, void* p) {
  auto* run = static_cast<RvRun*>(p);
  // ecall: cause 8 from U-mode; this test's hart stays in M-mode (11).
  if ((intno != 8 && intno != 11) || rd(uc, xreg(17)) != 139) {
    uc_emu_stop(uc);
    return;
  }
  run->s11 = rd(uc, xreg(27));
  run->t6 = rd(uc, xreg(31));
  run->s10 = rd(uc, xreg(26));
  run->f0 = rd(uc, UC_RISCV_REG_F0);
  auto r = pop_signal_frame(Arch::RiscV64, uc, *run->mem);
  REQUIRE(r.ok());
  run->mask = *r;
  run->restored_pc = rd(uc, UC_RISCV_REG_PC);
  run->returned = true;
  uc_emu_stop(uc);
}
}  // namespace

TEST_CASE("riscv64 end to end: a guest handler runs and returns through the trampoline", "[signal]") {
  Rv e;
  AddressSpace mem(e.uc, 0, kRvTop);
  REQUIRE(mem.map_fixed(kRvStack, kRvStackSize, kProtRead | kProtWrite).ok());
  REQUIRE(map_riscv_sigreturn_trampoline(mem).ok());
  const uint64_t code = 0x10000;
  REQUIRE(mem.map_fixed(code, kPageSize, kProtRead | kProtExec).ok());
  const uint32_t main_code[] = {itype(0, 9, 0, 25, 0x13)};  // mv s9, s1
  const uint32_t handler[] = {
      itype(0, 10, 0, 27, 0x13),    // mv s11, a0            (signo)
      itype(176, 12, 3, 31, 0x03),  // ld t6, 176(a2)        (uc_mcontext.__gregs[REG_PC])
      itype(0, 2, 0, 26, 0x13),     // mv s10, sp
      itype(0x99, 0, 0, 9, 0x13),   // li s1, 0x99           (clobber)
      0xf2000053,                   // fmv.d.x ft0, zero     (clobber)
      itype(0, 1, 0, 0, 0x67),      // ret
  };
  REQUIRE(mem.fill(code + 0x100, main_code, sizeof main_code).ok());
  REQUIRE(mem.fill(code, handler, sizeof handler).ok());

  rv_fill(e.uc, kRvStack + 0x8000 - 8);
  wr(e.uc, xreg(9), 0x5555);
  const RvState before = rv_state(e.uc);
  REQUIRE(before.pc == code + 0x100);

  RvRun run{&mem};
  uc_hook h;
  REQUIRE(uc_hook_add(e.uc, &h, UC_HOOK_INTR, reinterpret_cast<void*>(&rv_on_intr), &run, 1, 0) == UC_ERR_OK);
  SignalInfo info;
  info.signo = SIGUSR1;
  SigAction a{code, kSaSiginfo, 0, 0};
  REQUIRE(push_signal_frame(Arch::RiscV64, e.uc, mem, info, a, 0x400, AltStack{}, kRiscvSigreturnTrampoline).ok());
  REQUIRE(uc_emu_start(e.uc, code, 0, 0, 100) == UC_ERR_OK);
  REQUIRE(run.returned);
  CHECK(run.s11 == SIGUSR1);
  CHECK(run.t6 == code + 0x100);
  CHECK(run.s10 % 16 == 0);
  CHECK(run.f0 == 0);
  CHECK(run.mask == 0x400);
  CHECK(run.restored_pc == code + 0x100);
  RvState after = rv_state(e.uc);
  after.pc = run.restored_pc;
  CHECK(after == before);

  REQUIRE(uc_emu_start(e.uc, run.restored_pc, code + 0x104, 0, 10) == UC_ERR_OK);
  CHECK(rd(e.uc, xreg(25)) == 0x5555);
}
