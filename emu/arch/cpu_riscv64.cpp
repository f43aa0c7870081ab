// riscv64 (RV64GC) backend. Unicorn delivers `ecall` as interrupt 8 with PC
// already past the instruction, and illegal instructions as interrupt 2;
// rdtime is illegal in Unicorn and emulated here. See docs/UNICORN.md.
#include <unicorn/unicorn.h>

#include <csignal>

#include "emu/arch/guest_cpu.h"
#include "emu/arch/signal_frame.h"
#include "emu/engine/cpu_context.h"
#include "emu/mm/guest_memory.h"

namespace vmrun {
namespace {

constexpr uint32_t kCauseIllegal = 2, kCauseBreakpoint = 3, kCauseMisalignedLoad = 4,
                   kCauseLoadFault = 5, kCauseMisalignedStore = 6, kCauseStoreFault = 7, kCauseEcallU = 8,
                   kCauseEcallS = 9, kCauseEcallM = 11, kCauseFetchPage = 12, kCauseLoadPage = 13,
                   kCauseStorePage = 15;

int xreg(int n) { return UC_RISCV_REG_X0 + n; }

class RiscV64Cpu final : public GuestCpu {
 public:
  Arch arch() const override { return Arch::RiscV64; }
  const AddressLayout& layout() const override {
    // Sv39 user space, as the Linux kernels most riscv64 software targets.
    static const AddressLayout kLayout{
        0x4000000000ull,  // user_top
        0x3ffffff000ull,  // stack_top
        0x3fc0000000ull,  // mmap_top
        0x2aaaaaa000ull,  // pie_base (2/3 of user space, as Linux)
        8ull << 20,
    };
    return kLayout;
  }
  uint16_t elf_machine() const override { return 243; }  // EM_RISCV
  const char* platform() const override { return nullptr; }  // Linux gives none on riscv
  uint64_t hwcap() const override {
    auto bit = [](char c) { return 1ull << (c - 'a'); };
    return bit('i') | bit('m') | bit('a') | bit('f') | bit('d') | bit('c');
  }
  const char* uname_machine() const override { return "riscv64"; }

  uc_struct* open_engine(uint32_t translation_buffer_bytes, std::string* error) override {
    return open_unicorn(UC_ARCH_RISCV, UC_MODE_RISCV64, -1, translation_buffer_bytes, error);
  }

  void start_state(uc_struct* uc, uint64_t entry, uint64_t sp) override {
    uint64_t zero = 0;
    for (int i = 1; i < 32; i++) uc_reg_write(uc, xreg(i), &zero);
    // mstatus.FS = dirty: Unicorn starts with the FPU off and the first
    // float instruction would trap.
    uint64_t mstatus = 0;
    uc_reg_read(uc, UC_RISCV_REG_MSTATUS, &mstatus);
    mstatus |= 0x6000;
    uc_reg_write(uc, UC_RISCV_REG_MSTATUS, &mstatus);
    uc_reg_write(uc, UC_RISCV_REG_FCSR, &zero);
    uc_reg_write(uc, xreg(2), &sp);
    uc_reg_write(uc, UC_RISCV_REG_PC, &entry);
  }

  uint64_t pc(uc_struct* uc) const override {
    uint64_t v = 0;
    uc_reg_read(uc, UC_RISCV_REG_PC, &v);
    return v;
  }

  void set_pc(uc_struct* uc, uint64_t v) override { uc_reg_write(uc, UC_RISCV_REG_PC, &v); }
  uint64_t stack_pointer(uc_struct* uc) const override {
    uint64_t v = 0;
    uc_reg_read(uc, xreg(2), &v);
    return v;
  }
  void set_stack_pointer(uc_struct* uc, uint64_t v) override { uc_reg_write(uc, xreg(2), &v); }
  // `ecall` arrives with PC already past it.
  uint64_t syscall_return_pc(uc_struct* uc) const override { return pc(uc); }
  uint64_t syscall_insn_size() const override { return 4; }
  void prepare_syscall_restart(uc_struct* uc, const SyscallRegs& orig) override {
    uc_reg_write(uc, xreg(10), &orig.args[0]);
  }

  SyscallRegs read_syscall(uc_struct* uc) const override {
    static int regs[7] = {xreg(17), xreg(10), xreg(11), xreg(12), xreg(13), xreg(14), xreg(15)};
    uint64_t v[7];
    void* ptrs[7];
    for (int i = 0; i < 7; i++) ptrs[i] = &v[i];
    uc_reg_read_batch(uc, regs, ptrs, 7);
    SyscallRegs s;
    s.nr = v[0];
    for (int i = 0; i < 6; i++) s.args[i] = v[i + 1];
    return s;
  }

  void write_syscall_result(uc_struct* uc, uint64_t value) override { uc_reg_write(uc, xreg(10), &value); }

  bool map_signal_trampoline(AddressSpace& mem) override { return map_riscv_sigreturn_trampoline(mem).ok(); }
  void set_tls(uc_struct* uc, uint64_t value) override { uc_reg_write(uc, xreg(4), &value); }
  bool set_thread_start(SavedCpu& regs, uint64_t pc, const uint64_t* sp, const uint64_t* tls) const override {
    return regs.write_reg(UC_RISCV_REG_PC, pc) && (!sp || regs.write_reg(xreg(2), *sp)) &&
           (!tls || regs.write_reg(xreg(4), *tls));
  }

  // Unicorn starts the hart in machine mode, where the guest could write
  // any CSR and read the host's cycle counter. An `mret` with MPP = U from a
  // scratch page drops it to user mode: M-level CSRs then raise illegal
  // instruction (SIGILL). rdtime is illegal in Unicorn and emulated by
  // on_interrupt from the (virtual) clock. rdcycle/rdinstret stay readable:
  // QEMU 5's riscv lets U-mode read them whatever mcounteren says for
  // privilege specs after 1.9.1, so they return host-derived values.
  bool enter_user_mode(uc_struct* uc, AddressSpace& mem, uint64_t scratch) override {
    constexpr uint32_t kMret = 0x30200073;
    uint64_t entry = pc(uc);
    if (!mem.map_fixed(scratch, kPageSize, kProtRead | kProtExec, "").ok()) return false;
    bool ok = mem.fill(scratch, &kMret, 4).ok();
    uint64_t mstatus = 0, zero = 0;
    uc_reg_read(uc, UC_RISCV_REG_MSTATUS, &mstatus);
    mstatus &= ~(3ull << 11);  // MPP = U
    uc_reg_write(uc, UC_RISCV_REG_MSTATUS, &mstatus);
    uc_reg_write(uc, UC_RISCV_REG_MEPC, &entry);
    uc_reg_write(uc, UC_RISCV_REG_MCOUNTEREN, &zero);
    // Stop at the entry address, not after a count of 1: a count installs
    // Unicorn's counting hook, and the next uc_emu_start without a count
    // then flushes every translation (zeroing the 64 MiB buffer: 10-14 ms
    // per exec, measured while fuzzing; docs/UNICORN.md).
    ok = ok && mem.run_to_exit(scratch, entry) && pc(uc) == entry;
    // Drop only the trampoline's translation (and any stop block at the
    // entry); a full flush would zero the whole translation buffer.
    uc_ctl_remove_cache(uc, scratch, scratch + kPageSize);
    uc_ctl_remove_cache(uc, entry, entry + 1);
    (void)mem.unmap(scratch, kPageSize);
    return ok;
  }

  // Unicorn (seen on 2.1.1) ends emulation with UC_ERR_INSN_INVALID on `ebreak`
  // (breakpoint exceptions never reach the interrupt hook); Linux sends
  // SIGTRAP for it.
  int invalid_instruction_signal(uc_struct*, uint64_t insn_pc) const override {
    uint32_t insn = 0;
    if (!events_ || !events_->read_guest(insn_pc, &insn, 2)) return SIGILL;
    if ((insn & 0xffff) == 0x9002) return SIGTRAP;  // c.ebreak
    if ((insn & 3) == 3 && events_->read_guest(insn_pc, &insn, 4) && insn == 0x00100073)
      return SIGTRAP;  // ebreak
    return SIGILL;
  }

  bool install_hooks(uc_struct* uc, CpuEvents* events) override {
    events_ = events;
    uc_hook h;
    return uc_hook_add(uc, &h, UC_HOOK_INTR, reinterpret_cast<void*>(&on_interrupt), this, 1, 0) == UC_ERR_OK;
  }

 private:
  // Emulate reads of the cycle/time/instret counters (csrrs rd, csr, x0),
  // which Unicorn either takes from the host clock or treats as illegal.
  bool emulate_counter_read(uc_engine* uc, uint64_t insn_pc) {
    uint32_t insn = 0;
    if (!events_->read_guest(insn_pc, &insn, 4)) return false;
    if ((insn & 0x7f) != 0x73) return false;       // SYSTEM opcode
    uint32_t funct3 = (insn >> 12) & 7, rs1 = (insn >> 15) & 31, rd = (insn >> 7) & 31;
    uint32_t csr = insn >> 20;
    if (funct3 != 2 || rs1 != 0) return false;     // csrrs rd, csr, x0 only
    uint64_t value;
    switch (csr) {
      case 0xc00: case 0xc02: value = events_->cycle_counter(); break;  // cycle, instret
      case 0xc01: value = events_->time_counter(); break;              // time
      default: return false;
    }
    if (rd != 0) uc_reg_write(uc, xreg(rd), &value);
    // The PC is already the next instruction: Unicorn adds 4 before the
    // interrupt hook. Writing it again would be a PC written during a
    // turn (GuestCpu::set_pc).
    return true;
  }

  static void on_interrupt(uc_engine* uc, uint32_t intno, void* self) {
    auto* cpu = static_cast<RiscV64Cpu*>(self);
    uint64_t pc = 0;
    uc_reg_read(uc, UC_RISCV_REG_PC, &pc);
    switch (intno) {
      case kCauseEcallU: case kCauseEcallS: case kCauseEcallM:
        cpu->events_->on_syscall();
        return;
      case kCauseIllegal: {
        // Unicorn reports PC+4 here even for 2-byte instructions; the
        // only ones we emulate are 4 bytes long.
        if (cpu->emulate_counter_read(uc, pc - 4)) return;
        uint64_t mtval = 0;
        cpu->events_->on_fault(SIGILL, pc - 4, "illegal instruction");
        (void)mtval;
        break;
      }
      case kCauseBreakpoint: cpu->events_->on_fault(SIGTRAP, pc, "breakpoint"); break;
      case kCauseMisalignedLoad: case kCauseMisalignedStore: cpu->events_->on_fault(SIGBUS, pc, "misaligned access"); break;
      case kCauseLoadFault: case kCauseStoreFault: case kCauseFetchPage: case kCauseLoadPage: case kCauseStorePage:
      default: cpu->events_->on_fault(SIGSEGV, pc, "access fault"); break;
    }
    uc_emu_stop(uc);
  }

  CpuEvents* events_ = nullptr;
};

}  // namespace

std::unique_ptr<GuestCpu> make_riscv64_cpu() { return std::make_unique<RiscV64Cpu>(); }

}  // namespace vmrun
