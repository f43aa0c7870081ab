#include "emu/engine/memory_binding.h"

#include <unicorn/unicorn.h>

namespace vmrun::engine_memory {
namespace {

bool on_tlb_fill(uc_struct*, uint64_t vaddr, uc_mem_type type, uc_tlb_entry* entry, void* user) {
  auto* b = static_cast<TlbBinding*>(user);
  Access access = type == UC_MEM_WRITE ? Access::Write : type == UC_MEM_FETCH ? Access::Fetch : Access::Read;
  uint64_t paddr = 0;
  uint32_t prot = 0;
  if (!b->fill(b->self, vaddr, access, &paddr, &prot)) return false;
  entry->paddr = paddr;
  entry->perms = static_cast<uc_prot>(prot & UC_PROT_ALL);
  return true;
}

}  // namespace

bool use_virtual_tlb(uc_struct* uc, TlbBinding* binding) {
  uc_hook h;
  return uc && uc_ctl_tlb_mode(uc, UC_TLB_VIRTUAL) == UC_ERR_OK &&
         uc_hook_add(uc, &h, UC_HOOK_TLB_FILL, reinterpret_cast<void*>(&on_tlb_fill), binding, 1, 0) == UC_ERR_OK;
}

bool map_host(uc_struct* uc, uint8_t* base, uint64_t len) {
  return uc_mem_map_ptr(uc, reinterpret_cast<uint64_t>(base), len, UC_PROT_ALL, base) == UC_ERR_OK;
}

void unmap_host(uc_struct* uc, uint64_t base, uint64_t len) { uc_mem_unmap(uc, base, len); }

void flush_tlb(uc_struct* uc) { uc_ctl_flush_tlb(uc); }

void drop_translations(uc_struct* uc, uint64_t lo, uint64_t hi) { uc_ctl_remove_cache(uc, lo, hi); }

bool run_until(uc_struct* uc, uint64_t from, uint64_t until) { return uc_emu_start(uc, from, until, 0, 0) == UC_ERR_OK; }

}  // namespace vmrun::engine_memory
