// The engine's half of guest memory: how an AddressSpace (emu/mm/) tells
// Unicorn where guest pages live. The engine runs in virtual-TLB mode
// (UC_TLB_VIRTUAL): every TLB miss asks the address space's fill function,
// which answers with a host address used as the "physical" one, and host
// memory is registered with the engine at its own address.
#pragma once

#include <cstdint>

struct uc_struct;

namespace vmrun::engine_memory {

enum class Access { Read, Write, Fetch };
// Fill the TLB entry for `vaddr`: the physical (host) address of its page
// and its protection (kProt* bits, UC_PROT_*'s values); false refuses the
// access, which ends emulation with a CPU exception.
using TlbFill = bool (*)(void* self, uint64_t vaddr, Access access, uint64_t* paddr, uint32_t* prot);
struct TlbBinding {
  TlbFill fill = nullptr;
  void* self = nullptr;
};

// Switch `uc` to virtual-TLB mode with `binding` (which must outlive the
// engine's use of it) answering misses.
bool use_virtual_tlb(uc_struct* uc, TlbBinding* binding);
// Host memory [base, base+len) becomes physical memory at its own address,
// with every permission (the fill function grants each page its own).
bool map_host(uc_struct* uc, uint8_t* base, uint64_t len);
void unmap_host(uc_struct* uc, uint64_t base, uint64_t len);
void flush_tlb(uc_struct* uc);
// Drop translated code for guest addresses [lo, hi) (looked up through
// the TLB as an instruction fetch).
void drop_translations(uc_struct* uc, uint64_t lo, uint64_t hi);
// Run from `from` until the engine reaches `until` (kernel-side code).
bool run_until(uc_struct* uc, uint64_t from, uint64_t until);

}  // namespace vmrun::engine_memory
