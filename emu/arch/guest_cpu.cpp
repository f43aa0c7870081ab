// What both CPU backends share: opening and configuring a Unicorn engine,
// and choosing the backend for an architecture.
#include "emu/arch/guest_cpu.h"

#include <unicorn/unicorn.h>

#include <csignal>

#include "emu/engine/unicorn_private.h"
#include "emu/engine/unicorn_version.h"

namespace vmrun {

std::unique_ptr<GuestCpu> make_x86_64_cpu();
std::unique_ptr<GuestCpu> make_riscv64_cpu();

uc_struct* open_unicorn(int arch_id, int mode_id, int cpu_model, uint32_t buffer_bytes, std::string* error) {
  if (!loaded_unicorn_supported(error)) return nullptr;
  uc_engine* uc = nullptr;
  uc_err e = uc_open(static_cast<uc_arch>(arch_id), static_cast<uc_mode>(mode_id), &uc);
  if (e != UC_ERR_OK) {
    *error = std::string("uc_open: ") + uc_strerror(e);
    return nullptr;
  }
  // A modest translation buffer: Unicorn's default reserves 1 GiB per
  // engine and a full flush zeroes all of it (bench/RESULTS.md).
  e = uc_ctl_set_tcg_buffer_size(uc, buffer_bytes);
  if (e == UC_ERR_OK && cpu_model >= 0) e = uc_ctl_set_cpu_model(uc, cpu_model);
  // Virtual TLB (guest_memory.h); this also initialises the engine.
  if (e == UC_ERR_OK) e = uc_ctl_tlb_mode(uc, UC_TLB_VIRTUAL);
  if (e != UC_ERR_OK) {
    *error = std::string("cannot configure the CPU engine: ") + uc_strerror(e);
    uc_close(uc);
    return nullptr;
  }
  // No exit check after every guest load and store, on every engine of
  // both architectures: refused accesses leave the block precisely anyway
  // (virtual TLB), and stops land at the next block start (docs/UNICORN.md
  // "Counting and stopping"). Tail mode turns them back on for its code
  // hook. Private engine state: when it is off the checks stay (slower,
  // still exact; no timed turns then).
  unicorn_private::set_exit_checks(uc, false);
  return uc;
}

int GuestCpu::invalid_instruction_signal(uc_struct*, uint64_t) const { return SIGILL; }

std::unique_ptr<GuestCpu> GuestCpu::create(Arch arch) {
  return arch == Arch::X86_64 ? make_x86_64_cpu() : make_riscv64_cpu();
}

}  // namespace vmrun
