// The per-architecture part of running a guest on Unicorn: creating the
// engine with a Linux-correct initial state, reading syscall arguments and
// writing results, TLS, and where things go in the address space.
// Everything else (memory, syscalls, limits) is shared.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "vmrun/sandbox.h"

struct uc_struct;

namespace vmrun {

class SavedCpu;

// A new Unicorn engine with a translated-code buffer of `buffer_bytes`
// (Config::translation_buffer_bytes; Unicorn's own default reserves 1 GiB
// per engine) and, when cpu_model >= 0, that CPU model; nullptr with a
// message on failure.
// How the x86-64 backend clears QEMU's old_exception after a fault
// (cpu_x86_64.cpp): "context slot" (private state, the release's known
// slot confirmed on the engine), "register copy" (public API only), or ""
// before any x86-64 engine entered user mode in this process. For tests.
const char* x86_old_exception_method();

uc_struct* open_unicorn(int arch_id, int mode_id, int cpu_model, uint32_t buffer_bytes, std::string* error);

struct AddressLayout {
  uint64_t user_top;    // first address above user space
  uint64_t stack_top;   // initial stack grows down from here
  uint64_t mmap_top;    // mmap(NULL) allocates top-down below this
  uint64_t pie_base;    // load bias for ET_DYN executables
  uint64_t stack_size;  // bytes mapped for the main stack
};

struct SyscallRegs {
  uint64_t nr = 0;
  uint64_t args[6] = {};
};

// What the CPU backend reports to the machine running it.
class CpuEvents {
 public:
  virtual ~CpuEvents() = default;
  // The guest executed its syscall instruction; registers hold the call.
  virtual void on_syscall() = 0;
  // The guest raised an exception that Linux turns into `signal`. `pc`:
  // the faulting instruction, when the engine may stop past it (a hook
  // that cannot end the translation block at once); ~0 = where it stops.
  virtual void on_fault(int signal, uint64_t addr, const char* what, uint64_t pc = ~0ull) = 0;
  // Deterministic values for cycle/time/instret counters the guest reads.
  virtual uint64_t cycle_counter() = 0;
  virtual uint64_t time_counter() = 0;  // riscv rdtime: 10 MHz ticks
  virtual uint64_t tsc_counter() = 0;   // x86 rdtsc: a 1 GHz clock (virtual when deterministic)
  // Bytes of the running process's memory at a guest virtual address
  // (instruction bytes; uc_mem_read takes physical addresses).
  virtual bool read_guest(uint64_t addr, void* dst, size_t len) = 0;
  // From a hook that emulated an instruction: end the turn, and resume
  // the running task at `pc` (the instruction after it). Never write the
  // PC of the running engine instead (GuestCpu::set_pc).
  virtual void resume_at(uint64_t pc) = 0;
};

class GuestCpu {
 public:
  virtual ~GuestCpu() = default;
  static std::unique_ptr<GuestCpu> create(Arch arch);

  virtual Arch arch() const = 0;
  virtual const AddressLayout& layout() const = 0;
  virtual uint16_t elf_machine() const = 0;
  virtual const char* platform() const = 0;  // AT_PLATFORM, or nullptr
  virtual uint64_t hwcap() const = 0;
  virtual const char* uname_machine() const = 0;

  // A new Unicorn engine in the state a Linux process expects.
  virtual uc_struct* open_engine(uint32_t translation_buffer_bytes, std::string* error) = 0;
  // Registers at process start.
  virtual void start_state(uc_struct* uc, uint64_t entry, uint64_t sp) = 0;
  virtual uint64_t pc(uc_struct* uc) const = 0;
  // Only between turns, or in a hook that ends the turn: Unicorn takes a
  // PC written into a running engine as "the caller placed the PC" and
  // leaves its next block without restoring it, however much later that
  // is (docs/UNICORN.md, "A PC written during a turn").
  virtual void set_pc(uc_struct* uc, uint64_t pc) = 0;
  virtual uint64_t stack_pointer(uc_struct* uc) const = 0;
  virtual void set_stack_pointer(uc_struct* uc, uint64_t sp) = 0;
  // Where execution continues after the syscall being serviced in the hook.
  virtual uint64_t syscall_return_pc(uc_struct* uc) const = 0;
  // Bytes of the syscall instruction (to re-execute it on restart).
  virtual uint64_t syscall_insn_size() const = 0;
  // Put back the registers a restarted syscall needs (the result register
  // overwrote one of them).
  virtual void prepare_syscall_restart(uc_struct* uc, const SyscallRegs& orig) = 0;
  virtual SyscallRegs read_syscall(uc_struct* uc) const = 0;
  virtual void write_syscall_result(uc_struct* uc, uint64_t value) = 0;
  virtual void set_tls(uc_struct* uc, uint64_t value) = 0;
  // A new thread's registers in a saved copy of its parent's: resume at
  // `pc`, and the stack pointer and thread pointer when given. Leaves the
  // running engine alone (see set_pc).
  virtual bool set_thread_start(SavedCpu& regs, uint64_t pc, const uint64_t* sp, const uint64_t* tls) const = 0;
  // x86-64's FS and GS segment bases (arch_prctl); false elsewhere.
  enum class SegmentBase { Fs, Gs };
  virtual bool segment_base(uc_struct* uc, SegmentBase which, uint64_t* value) const { return false; }
  virtual bool set_segment_base(uc_struct* uc, SegmentBase which, uint64_t value) { return false; }
  // Drop to user privilege before the program's first instruction, where
  // the architecture needs it; runs with no hooks installed. `scratch` is
  // an address with a free page the backend may use briefly.
  virtual bool enter_user_mode(uc_struct* uc, class AddressSpace& mem, uint64_t scratch) { return true; }
  // Map the code signal handlers return through, where the architecture
  // has no SA_RESTORER (riscv64: the vDSO's rt_sigreturn, which we lack).
  virtual bool map_signal_trampoline(class AddressSpace& mem) { return true; }
  // The signal for an instruction Unicorn refused as invalid (without
  // calling the interrupt hook) at `pc`.
  virtual int invalid_instruction_signal(uc_struct* uc, uint64_t pc) const;
  // Hooks that route syscalls, exceptions and CPU-model queries.
  virtual bool install_hooks(uc_struct* uc, CpuEvents* events) = 0;
};

}  // namespace vmrun
