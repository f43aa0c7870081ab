// One CPU engine and the address space it runs, with what the engine side
// keeps for it (block counts, hooks, the program it holds code of) and the
// program break and mmap base of the process. Shared by the threads of a
// process (and lent to a vfork child).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "emu/engine/block_counts.h"
#include "emu/mm/guest_memory.h"

struct uc_struct;

namespace vmrun {

class Process;

// One CPU engine and one address space, shared by the threads of a process
// (and lent to a vfork child). Only one of them has its registers in the
// engine at a time; the others keep theirs in a saved context.
struct ProcessImage {
  ProcessImage(uc_struct* uc, std::unique_ptr<AddressSpace> mem);
  ~ProcessImage();
  ProcessImage(const ProcessImage&) = delete;
  ProcessImage& operator=(const ProcessImage&) = delete;
  uc_struct* uc;
  std::unique_ptr<AddressSpace> mem;
  class Process* loaded = nullptr;  // whose registers the engine holds
  BlockCountCache block_counts;
  bool tail_hook_installed = false;
  bool hooks_installed = false;  // vmrun's hooks are on the engine (they stay when it is pooled)
  std::vector<size_t> meter_hooks;  // the counting hooks' handles, until Engines::drop_meter_hooks
  uint64_t code_tag = 0;         // program_tag of the program whose code it holds (emu/engine/engine_pool.h)
  uint64_t brk_start = 0, brk_current = 0, brk_mapped_end = 0;
  uint64_t mmap_top = 0;
  uint64_t at_random = 0;        // guest address of the AT_RANDOM bytes (0: none)
};

}  // namespace vmrun
