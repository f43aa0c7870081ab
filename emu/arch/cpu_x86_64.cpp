// x86-64 backend. Unicorn's initial x86 state is not what a Linux process
// sees; see docs/UNICORN.md for each fix made here and why.
#include <unicorn/unicorn.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <mutex>

#include "emu/arch/guest_cpu.h"
#include "emu/engine/cpu_context.h"
#include "emu/mm/guest_memory.h"
#include "emu/engine/unicorn_private.h"

namespace vmrun {
namespace {

// A fixed CPU model, so that glibc's choice of string routines (and hence
// instruction counts) never depends on the Unicorn build or the host. It
// advertises only extensions Unicorn's TCG executes: SSE..SSE4.2, SSSE3,
// POPCNT, CX16 (covered by tests/guest/strings.c). No AVX, no XSAVE.
struct CpuidLeaf {
  uint32_t leaf, subleaf, eax, ebx, ecx, edx;
};
constexpr uint32_t kLeaf1Ecx = (1u << 0) | (1u << 9) | (1u << 13) | (1u << 19) | (1u << 20) | (1u << 23);
// FPU TSC MSR PAE CX8 APIC SEP PGE CMOV PAT CLFSH MMX FXSR SSE SSE2
constexpr uint32_t kLeaf1Edx = (1u << 0) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 8) | (1u << 9) |
                               (1u << 11) | (1u << 13) | (1u << 15) | (1u << 16) | (1u << 19) | (1u << 23) |
                               (1u << 24) | (1u << 25) | (1u << 26);
constexpr CpuidLeaf kCpuid[] = {
    {0, 0, 0xb, 0x756e6547 /*Genu*/, 0x6c65746e /*ntel*/, 0x49656e69 /*ineI*/},
    // family 6, model 0x3a (a plain SSE4.2-era core), 1 logical CPU, clflush 64
    {1, 0, 0x000306a9, 0x00010800, kLeaf1Ecx, kLeaf1Edx},
    {2, 0, 0x00ff0001, 0, 0, 0},  // "see leaf 4" for caches
    // leaf 4: L1d 32 KiB 8-way, L1i 32 KiB, L2 256 KiB, L3 8 MiB (64-byte lines)
    {4, 0, 0x00000121, (7u << 22) | 63, 63, 0},
    {4, 1, 0x00000122, (7u << 22) | 63, 63, 0},
    {4, 2, 0x00000143, (7u << 22) | 63, 511, 0},
    {4, 3, 0x00000163, (15u << 22) | 63, 8191, 0x6},
    {4, 4, 0, 0, 0, 0},
    {7, 0, 0, 0, 0, 0},
    {0xb, 0, 0, 1, 0x100, 0},
    {0xb, 1, 0, 1, 0x201, 0},
    {0x80000000, 0, 0x80000008, 0, 0, 0},
    // LAHF/SAHF; SYSCALL, NX, 1GB pages off, RDTSCP off, LM
    {0x80000001, 0, 0, 0, 1u << 0, (1u << 11) | (1u << 20) | (1u << 29)},
    {0x80000002, 0, 0x72756976, 0x7620366e /*"vmrun v"*/, 0x75706372, 0x00000000},
    {0x80000003, 0, 0, 0, 0, 0},
    {0x80000004, 0, 0, 0, 0, 0},
    {0x80000006, 0, 0, 0, 0x01006040, 0},
    {0x80000008, 0, 0x00003027, 0, 0, 0},  // 39-bit physical, 48-bit virtual
};

const CpuidLeaf* find_leaf(uint32_t leaf, uint32_t subleaf) {
  for (auto& l : kCpuid) {
    bool has_sub = l.leaf == 4 || l.leaf == 7 || l.leaf == 0xb;
    if (l.leaf == leaf && (!has_sub || l.subleaf == subleaf)) return &l;
  }
  return nullptr;
}

constexpr uint64_t kUserCs = 0x33, kUserSs = 0x2b;  // Linux's __USER_CS / __USER_DS

// x86_old_exception_method(); engines may be set up on several host threads.
std::atomic<const char*> g_old_exception_method{""};

class X86_64Cpu final : public GuestCpu {
 public:
  Arch arch() const override { return Arch::X86_64; }
  const AddressLayout& layout() const override {
    static const AddressLayout kLayout{
        0x7ffffffff000ull,  // user_top (47-bit)
        0x7ffffffde000ull,  // stack_top
        0x7ffff7fff000ull - (64ull << 30),  // mmap_top, clear of the stack
        0x555555554000ull,  // pie_base, as Linux with ASLR off
        8ull << 20,
    };
    return kLayout;
  }
  uint16_t elf_machine() const override { return 62; }  // EM_X86_64
  const char* platform() const override { return "x86_64"; }
  uint64_t hwcap() const override { return kLeaf1Edx; }
  const char* uname_machine() const override { return "x86_64"; }

  uc_struct* open_engine(uint32_t translation_buffer_bytes, std::string* error) override {
    // The model decides which instructions TCG decodes: the default qemu64
    // raises #UD on SSSE3 (palignr) although glibc, told by CPUID, uses it.
    // Nehalem decodes everything our CPUID table advertises.
    return open_unicorn(UC_ARCH_X86, UC_MODE_64, UC_CPU_X86_NEHALEM, translation_buffer_bytes, error);
  }

  void start_state(uc_struct* uc, uint64_t entry, uint64_t sp) override {
    // OSFXSR|OSXMMEXCPT: without them fxsave/fxrstor skip the XMM state.
    // TSD: rdtsc/rdtscp at level 3 raise #GP, which on_interrupt answers
    // from vmrun's clock (Unicorn 2.1.1 could not hook rdtsc directly).
    uint64_t cr4 = 0;
    uc_reg_read(uc, UC_X86_REG_CR4, &cr4);
    cr4 |= 0x600 | 0x4;
    uc_reg_write(uc, UC_X86_REG_CR4, &cr4);
    uint64_t fpcw = 0x37f;  // Unicorn starts at 0: doubles would round to single
    uc_reg_write(uc, UC_X86_REG_FPCW, &fpcw);
    uint64_t mxcsr = 0x1f80;
    uc_reg_write(uc, UC_X86_REG_MXCSR, &mxcsr);
    uint64_t zero = 0;
    for (int r : {UC_X86_REG_RAX, UC_X86_REG_RBX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RSI,
                  UC_X86_REG_RDI, UC_X86_REG_RBP, UC_X86_REG_R8, UC_X86_REG_R9, UC_X86_REG_R10,
                  UC_X86_REG_R11, UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
                  UC_X86_REG_FS_BASE, UC_X86_REG_GS_BASE})
      uc_reg_write(uc, r, &zero);
    uint64_t rflags = 0x202;
    uc_reg_write(uc, UC_X86_REG_EFLAGS, &rflags);
    uc_reg_write(uc, UC_X86_REG_RSP, &sp);
    uc_reg_write(uc, UC_X86_REG_RIP, &entry);
  }

  // Unicorn starts the CPU at privilege level 0, where wrmsr, lgdt, mov to
  // CR3, cli, in/out and hlt execute (wrmsr can move FS under the guest's
  // feet; hlt ends emulation). Linux runs programs at level 3, where each
  // of them raises #GP (SIGSEGV). Unicorn's register API cannot lower the
  // level (CS/SS writes are checked against the current level), so a
  // one-instruction trampoline does what a kernel does: `iretq` through a
  // GDT holding Linux's user segments (__USER_DS 0x2b, __USER_CS 0x33) to
  // the entry point. The scratch page (GDT, code, frame) is unmapped
  // afterwards and GDTR emptied, so a guest segment load of a non-null
  // selector raises #GP too. Contexts copied to forked engines carry the
  // level with them.
  bool enter_user_mode(uc_struct* uc, AddressSpace& mem, uint64_t scratch) override {
    constexpr uint64_t kGdtOff = 0x100, kFrameOff = 0x800;
    const uint64_t gdt[7] = {
        0,
        0x00af9b000000ffffull,  // 0x08 kernel code, 64-bit
        0x00cf93000000ffffull,  // 0x10 kernel data
        0, 0,
        0x00cff3000000ffffull,  // 0x2b user data, DPL 3 (accessed bit preset: no GDT writes)
        0x00affb000000ffffull,  // 0x33 user code, 64-bit, DPL 3
    };
    const uint64_t entry = pc(uc), sp = stack_pointer(uc);
    const uint64_t frame[5] = {entry, kUserCs, 0x202, sp, kUserSs};  // RIP CS RFLAGS RSP SS
    const uint8_t iretq[2] = {0x48, 0xcf};
    if (!mem.map_fixed(scratch, kPageSize, kProtRead | kProtWrite | kProtExec, "").ok()) return false;
    bool ok = mem.fill(scratch, iretq, sizeof iretq).ok() && mem.fill(scratch + kGdtOff, gdt, sizeof gdt).ok() &&
              mem.fill(scratch + kFrameOff, frame, sizeof frame).ok();
    uc_x86_mmr gdtr{};
    gdtr.base = scratch + kGdtOff;
    gdtr.limit = sizeof gdt - 1;
    uint64_t frame_sp = scratch + kFrameOff;
    ok = ok && uc_reg_write(uc, UC_X86_REG_GDTR, &gdtr) == UC_ERR_OK &&
         uc_reg_write(uc, UC_X86_REG_RSP, &frame_sp) == UC_ERR_OK &&
         mem.run_to_exit(scratch, entry);
    uint64_t cs = 0, ss = 0;
    uc_reg_read(uc, UC_X86_REG_CS, &cs);
    uc_reg_read(uc, UC_X86_REG_SS, &ss);
    ok = ok && pc(uc) == entry && stack_pointer(uc) == sp && cs == kUserCs && ss == kUserSs;
    if (ok) find_old_exception(uc, mem, scratch);
    gdtr = uc_x86_mmr{};
    uc_reg_write(uc, UC_X86_REG_GDTR, &gdtr);
    // The state every process starts from, with no exception recorded:
    // the public-API way to clear old_exception (clear_old_exception).
    if (ok && old_exception_offset_ < 0 && !clean_state_) {
      if (uc_context_alloc(uc, &clean_state_) != UC_ERR_OK || uc_context_save(uc, clean_state_) != UC_ERR_OK) {
        if (clean_state_) uc_context_free(clean_state_);
        clean_state_ = nullptr;
      }
    }
    if (ok) g_old_exception_method = old_exception_offset_ >= 0 ? "context slot" : clean_state_ ? "register copy" : "";
    // Drop only the trampoline's translation (and any stop block at the
    // entry); a full flush would zero the whole translation buffer.
    uc_ctl_remove_cache(uc, scratch, scratch + kPageSize);
    uc_ctl_remove_cache(uc, entry, entry + 1);
    (void)mem.unmap(scratch, kPageSize);
    return ok;
  }

  ~X86_64Cpu() override {
    if (clean_state_) uc_context_free(clean_state_);
  }

  // QEMU escalates a fault raised while `old_exception` records an earlier
  // contributory one (#DE, #GP, ...) to a double fault (#DF), and a fault
  // after a #DF to a triple fault, which ends emulation. Only QEMU's own
  // interrupt delivery resets it, which Unicorn's hook path skips (still so
  // in 2.1.4): after the first #GP of a process every later #GP or divide
  // error arrived as #DF (measured), and contexts copied to forked engines
  // carry it along. clear_old_exception() puts -1 back after each fault we
  // handle, one of two ways:
  //   - private state (unicorn_private): the slot's place in a saved
  //     context is known for the release (Layout::x86_old_exception) and
  //     confirmed here on the running engine: save, provoke a #GP (`hlt` at
  //     level 3, no hooks yet), save again; exactly one 32-bit slot must go
  //     from -1 to 13, and it must be the known one. Then the fix is an
  //     edit of that slot in a saved context.
  //   - otherwise: restore the state saved at the first entry to user mode
  //     (clean_state_, nothing recorded) and write the user-visible
  //     registers back through the register API. Slower (about seventy
  //     register calls per fault), same result.
  void find_old_exception(uc_struct* uc, AddressSpace& mem, uint64_t scratch) {
    // Probed once per host process (the layout is the library's), by the
    // first engine set up; others wait for its answer.
    static std::mutex probe_mutex;
    static long offset = -2;  // -2 unknown, -1 not usable
    std::lock_guard<std::mutex> lock(probe_mutex);
    if (offset != -2) {
      old_exception_offset_ = offset;
      return;
    }
    offset = -1;
    const unicorn_private::Layout* layout = unicorn_private::matching_layout(uc);
    const size_t size = uc_context_size(uc);
    if (!layout || layout->x86_old_exception + 4 > size) {
      old_exception_offset_ = offset;
      return;
    }
    const uint8_t hlt = 0xf4;
    uc_context *before = nullptr, *after = nullptr;
    if (uc_context_alloc(uc, &before) == UC_ERR_OK && uc_context_alloc(uc, &after) == UC_ERR_OK &&
        mem.fill(scratch + 0x10, &hlt, 1).ok() && uc_context_save(uc, before) == UC_ERR_OK) {
      uc_emu_start(uc, scratch + 0x10, scratch + 0x11, 0, 0);
      if (uc_context_save(uc, after) == UC_ERR_OK) {
        const auto* a = reinterpret_cast<const uint8_t*>(before);
        const auto* b = reinterpret_cast<const uint8_t*>(after);
        long found_at = -1;
        int found = 0;
        for (size_t off = 0; off + 4 <= size; off += 4) {
          int32_t va, vb;
          std::memcpy(&va, a + off, 4);
          std::memcpy(&vb, b + off, 4);
          if (va == -1 && vb == 13) found_at = static_cast<long>(off), found++;
        }
        if (found == 1 && found_at == static_cast<long>(layout->x86_old_exception)) offset = found_at;
      }
      uc_context_restore(uc, before);  // back to the entry state
    }
    if (before) uc_context_free(before);
    if (after) uc_context_free(after);
    old_exception_offset_ = offset;
  }

  void clear_old_exception(uc_struct* uc) {
    if (old_exception_offset_ >= 0) {
      uc_context* ctx = nullptr;
      if (uc_context_alloc(uc, &ctx) != UC_ERR_OK) return;
      if (uc_context_save(uc, ctx) == UC_ERR_OK) {
        const int32_t none = -1;
        std::memcpy(reinterpret_cast<uint8_t*>(ctx) + old_exception_offset_, &none, 4);
        uc_context_restore(uc, ctx);
      }
      uc_context_free(ctx);
    } else if (clean_state_) {
      UserState state;
      state.read(uc);
      if (uc_context_restore(uc, clean_state_) == UC_ERR_OK) state.write(uc);
    }
  }

  // Everything a user-mode program can change in the CPU, through the
  // register API (for clear_old_exception's public path). Segment selectors
  // other than CS/SS can only be made null at level 3 (the GDT is empty).
  struct UserState {
    static constexpr int kGprs[18] = {
        UC_X86_REG_RAX, UC_X86_REG_RBX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RSI, UC_X86_REG_RDI,
        UC_X86_REG_RBP, UC_X86_REG_RSP, UC_X86_REG_R8,  UC_X86_REG_R9,  UC_X86_REG_R10, UC_X86_REG_R11,
        UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15, UC_X86_REG_FS_BASE, UC_X86_REG_GS_BASE};
    static constexpr int kSegments[4] = {UC_X86_REG_DS, UC_X86_REG_ES, UC_X86_REG_FS, UC_X86_REG_GS};
    uint64_t gpr[18] = {}, rip = 0, rflags = 0, seg[4] = {};
    uint64_t fpcw = 0, fpsw = 0, fptag = 0, fop = 0, fip = 0, fdp = 0, mxcsr = 0;
    uint8_t st[8][16] = {}, xmm[16][16] = {};

    void read(uc_struct* uc) {
      for (int i = 0; i < 18; i++) uc_reg_read(uc, kGprs[i], &gpr[i]);
      for (int i = 0; i < 4; i++) uc_reg_read(uc, kSegments[i], &seg[i]);
      uc_reg_read(uc, UC_X86_REG_RIP, &rip);
      uc_reg_read(uc, UC_X86_REG_EFLAGS, &rflags);
      uc_reg_read(uc, UC_X86_REG_FPCW, &fpcw);
      uc_reg_read(uc, UC_X86_REG_FPSW, &fpsw);
      uc_reg_read(uc, UC_X86_REG_FPTAG, &fptag);
      uc_reg_read(uc, UC_X86_REG_FOP, &fop);
      uc_reg_read(uc, UC_X86_REG_FIP, &fip);
      uc_reg_read(uc, UC_X86_REG_FDP, &fdp);
      uc_reg_read(uc, UC_X86_REG_MXCSR, &mxcsr);
      for (int i = 0; i < 8; i++) uc_reg_read(uc, UC_X86_REG_ST0 + i, st[i]);
      for (int i = 0; i < 16; i++) uc_reg_read(uc, UC_X86_REG_XMM0 + i, xmm[i]);
    }
    void write(uc_struct* uc) const {
      for (int i = 0; i < 18; i++) uc_reg_write(uc, kGprs[i], &gpr[i]);
      for (int i = 0; i < 4; i++) {
        uint64_t now = 0;
        uc_reg_read(uc, kSegments[i], &now);
        if (now != seg[i]) uc_reg_write(uc, kSegments[i], &seg[i]);
      }
      uc_reg_write(uc, UC_X86_REG_RIP, &rip);
      uc_reg_write(uc, UC_X86_REG_EFLAGS, &rflags);
      uc_reg_write(uc, UC_X86_REG_FPCW, &fpcw);
      uc_reg_write(uc, UC_X86_REG_FPSW, &fpsw);  // TOP first: it decides what ST0..7 name
      for (int i = 0; i < 8; i++) uc_reg_write(uc, UC_X86_REG_ST0 + i, st[i]);
      uc_reg_write(uc, UC_X86_REG_FPTAG, &fptag);
      uc_reg_write(uc, UC_X86_REG_FOP, &fop);
      uc_reg_write(uc, UC_X86_REG_FIP, &fip);
      uc_reg_write(uc, UC_X86_REG_FDP, &fdp);
      uc_reg_write(uc, UC_X86_REG_MXCSR, &mxcsr);
      for (int i = 0; i < 16; i++) uc_reg_write(uc, UC_X86_REG_XMM0 + i, xmm[i]);
    }
  };

  uint64_t pc(uc_struct* uc) const override {
    uint64_t v = 0;
    uc_reg_read(uc, UC_X86_REG_RIP, &v);
    return v;
  }

  void set_pc(uc_struct* uc, uint64_t v) override { uc_reg_write(uc, UC_X86_REG_RIP, &v); }
  uint64_t stack_pointer(uc_struct* uc) const override {
    uint64_t v = 0;
    uc_reg_read(uc, UC_X86_REG_RSP, &v);
    return v;
  }
  void set_stack_pointer(uc_struct* uc, uint64_t v) override { uc_reg_write(uc, UC_X86_REG_RSP, &v); }
  // In the hook RIP still points at the 2-byte syscall instruction.
  uint64_t syscall_return_pc(uc_struct* uc) const override { return pc(uc) + 2; }
  uint64_t syscall_insn_size() const override { return 2; }
  void prepare_syscall_restart(uc_struct* uc, const SyscallRegs& orig) override {
    uc_reg_write(uc, UC_X86_REG_RAX, &orig.nr);
  }

  SyscallRegs read_syscall(uc_struct* uc) const override {
    static const int kRegs[7] = {UC_X86_REG_RAX, UC_X86_REG_RDI, UC_X86_REG_RSI, UC_X86_REG_RDX,
                                 UC_X86_REG_R10, UC_X86_REG_R8, UC_X86_REG_R9};
    uint64_t v[7];
    void* ptrs[7];
    for (int i = 0; i < 7; i++) ptrs[i] = &v[i];
    uc_reg_read_batch(uc, const_cast<int*>(kRegs), ptrs, 7);
    SyscallRegs s;
    s.nr = v[0];
    for (int i = 0; i < 6; i++) s.args[i] = v[i + 1];
    return s;
  }

  void write_syscall_result(uc_struct* uc, uint64_t value) override {
    uc_reg_write(uc, UC_X86_REG_RAX, &value);
  }

  void set_tls(uc_struct* uc, uint64_t value) override { uc_reg_write(uc, UC_X86_REG_FS_BASE, &value); }
  bool set_thread_start(SavedCpu& regs, uint64_t pc, const uint64_t* sp, const uint64_t* tls) const override {
    return regs.write_reg(UC_X86_REG_RIP, pc) && (!sp || regs.write_reg(UC_X86_REG_RSP, *sp)) &&
           (!tls || regs.write_reg(UC_X86_REG_FS_BASE, *tls));
  }
  bool segment_base(uc_struct* uc, SegmentBase which, uint64_t* value) const override {
    return uc_reg_read(uc, which == SegmentBase::Fs ? UC_X86_REG_FS_BASE : UC_X86_REG_GS_BASE, value) == UC_ERR_OK;
  }
  bool set_segment_base(uc_struct* uc, SegmentBase which, uint64_t value) override {
    return uc_reg_write(uc, which == SegmentBase::Fs ? UC_X86_REG_FS_BASE : UC_X86_REG_GS_BASE, &value) == UC_ERR_OK;
  }

  bool install_hooks(uc_struct* uc, CpuEvents* events) override {
    events_ = events;
    uc_hook h;
    if (uc_hook_add(uc, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&on_syscall_insn), this, 1, 0,
                    UC_X86_INS_SYSCALL) != UC_ERR_OK)
      return false;
    if (uc_hook_add(uc, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&on_cpuid), this, 1, 0, UC_X86_INS_CPUID) !=
        UC_ERR_OK)
      return false;
    if (uc_hook_add(uc, &h, UC_HOOK_INTR, reinterpret_cast<void*>(&on_interrupt), this, 1, 0) != UC_ERR_OK)
      return false;
    if (uc_hook_add(uc, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&on_port_in), this, 1, 0, UC_X86_INS_IN) !=
            UC_ERR_OK ||
        uc_hook_add(uc, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&on_port_out), this, 1, 0, UC_X86_INS_OUT) !=
            UC_ERR_OK ||
        uc_hook_add(uc, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&on_sysenter), this, 1, 0,
                    UC_X86_INS_SYSENTER) != UC_ERR_OK)
      return false;
    return true;
  }

 private:
  static void on_syscall_insn(uc_engine* uc, void* self) {
    auto* cpu = static_cast<X86_64Cpu*>(self);
    // The syscall instruction sets RCX to the return address and R11 to
    // RFLAGS before entering the kernel; Unicorn does neither. Set them
    // first, so a handler that replaces registers (rt_sigreturn, execve)
    // has the last word. RIP still points at the instruction here.
    uint64_t rip = 0, rflags = 0;
    uc_reg_read(uc, UC_X86_REG_RIP, &rip);
    uc_reg_read(uc, UC_X86_REG_EFLAGS, &rflags);
    rip += 2;
    uc_reg_write(uc, UC_X86_REG_RCX, &rip);
    uc_reg_write(uc, UC_X86_REG_R11, &rflags);
    cpu->events_->on_syscall();
  }

  static int on_cpuid(uc_engine* uc, void* self) {
    uint64_t leaf = 0, subleaf = 0;
    uc_reg_read(uc, UC_X86_REG_RAX, &leaf);
    uc_reg_read(uc, UC_X86_REG_RCX, &subleaf);
    const CpuidLeaf* l = find_leaf(static_cast<uint32_t>(leaf), static_cast<uint32_t>(subleaf));
    uint64_t out[4] = {0, 0, 0, 0};
    if (l) out[0] = l->eax, out[1] = l->ebx, out[2] = l->ecx, out[3] = l->edx;
    uc_reg_write(uc, UC_X86_REG_RAX, &out[0]);
    uc_reg_write(uc, UC_X86_REG_RBX, &out[1]);
    uc_reg_write(uc, UC_X86_REG_RCX, &out[2]);
    uc_reg_write(uc, UC_X86_REG_RDX, &out[3]);
    return 1;  // handled: skip Unicorn's own CPUID
  }

  // Unicorn lets in/out run at any privilege level (its translator skips
  // the I/O permission check: "allow all I/O instructions"). Linux answers
  // them with SIGSEGV. The hook cannot end the translation block at once:
  // the rest of the block still runs (measured: a store right after `in`
  // lands) before the signal is delivered with RIP at the in/out.
  static uint32_t on_port_in(uc_engine* uc, uint32_t port, int size, void* self) {
    port_fault(uc, static_cast<X86_64Cpu*>(self));
    return 0;
  }
  static void on_port_out(uc_engine* uc, uint32_t port, int size, uint32_t value, void* self) {
    port_fault(uc, static_cast<X86_64Cpu*>(self));
  }
  // Unicorn treats sysenter like syscall (hooks, then the next
  // instruction). A 64-bit Linux process has no use for it: #UD, SIGILL,
  // as on CPUs that do not support it in long mode.
  static void on_sysenter(uc_engine* uc, void* self) {
    uint64_t rip = 0;
    uc_reg_read(uc, UC_X86_REG_RIP, &rip);
    static_cast<X86_64Cpu*>(self)->events_->on_fault(SIGILL, rip, "sysenter", rip);
    uc_emu_stop(uc);
  }
  static void port_fault(uc_engine* uc, X86_64Cpu* cpu) {
    uint64_t rip = 0;
    uc_reg_read(uc, UC_X86_REG_RIP, &rip);
    cpu->events_->on_fault(SIGSEGV, 0, "I/O port access", rip);
    uc_emu_stop(uc);
  }

  // rdtsc (0f 31) / rdtscp (0f 01 f9) trapped by CR4.TSD: EDX:EAX from
  // the clock (virtual in deterministic mode), ECX = 0 for rdtscp.
  bool emulate_rdtsc(uc_engine* uc, uint64_t rip) {
    uint8_t b[3] = {0, 0, 0};
    if (!events_->read_guest(rip, b, 2) || b[0] != 0x0f) return false;
    uint64_t len = 0;
    if (b[1] == 0x31) len = 2;
    else if (b[1] == 0x01 && events_->read_guest(rip + 2, &b[2], 1) && b[2] == 0xf9) len = 3;
    if (!len) return false;
    uint64_t t = events_->tsc_counter(), lo = t & 0xffffffffu, hi = t >> 32;
    uc_reg_write(uc, UC_X86_REG_RAX, &lo);
    uc_reg_write(uc, UC_X86_REG_RDX, &hi);
    if (len == 3) {
      uint64_t aux = 0;
      uc_reg_write(uc, UC_X86_REG_RCX, &aux);
    }
    // The #GP left RIP at the instruction; skipping it means a new PC,
    // which only a new turn may bring (GuestCpu::set_pc).
    events_->resume_at(rip + len);
    return true;
  }

  static void on_interrupt(uc_engine* uc, uint32_t intno, void* self) {
    auto* cpu = static_cast<X86_64Cpu*>(self);
    uint64_t rip = 0;
    uc_reg_read(uc, UC_X86_REG_RIP, &rip);
    if (intno != 0x80) cpu->clear_old_exception(uc);
    switch (intno) {
      case 0x80: {
        // The 32-bit syscall ABI is not offered: answer ENOSYS like a
        // kernel built without IA32 emulation.
        uint64_t r = static_cast<uint64_t>(-ENOSYS);
        uc_reg_write(uc, UC_X86_REG_RAX, &r);
        return;
      }
      case 13:
        if (cpu->emulate_rdtsc(uc, rip)) return;
        cpu->events_->on_fault(SIGSEGV, rip, "general protection");
        break;
      case 0: cpu->events_->on_fault(SIGFPE, rip, "divide error"); break;
      case 1: case 3: cpu->events_->on_fault(SIGTRAP, rip, "breakpoint"); break;
      case 6: cpu->events_->on_fault(SIGILL, rip, "invalid opcode"); break;
      case 16: case 19: cpu->events_->on_fault(SIGFPE, rip, "floating-point exception"); break;
      case 17: cpu->events_->on_fault(SIGBUS, rip, "alignment check"); break;
      default: cpu->events_->on_fault(SIGSEGV, rip, "general protection"); break;
    }
    uc_emu_stop(uc);
  }

  CpuEvents* events_ = nullptr;
  long old_exception_offset_ = -1;
  uc_context* clean_state_ = nullptr;  // clear_old_exception without private state
};

}  // namespace

std::unique_ptr<GuestCpu> make_x86_64_cpu() { return std::make_unique<X86_64Cpu>(); }

const char* x86_old_exception_method() { return g_old_exception_method.load(); }

}  // namespace vmrun
