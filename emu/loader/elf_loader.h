// ELF executables: validation of hostile input, then loading into an
// AddressSpace. Every field read from the file is bounds-checked before
// use; sizes are capped so no file can make us allocate without limit.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "emu/mm/guest_memory.h"

namespace vmrun {

struct ElfSegment {
  uint64_t vaddr, memsz, offset, filesz;
  uint32_t prot;
};

struct ElfImage {
  uint16_t machine = 0;     // e_machine: one GuestAbi::for_machine knows
  bool position_independent = false;  // ET_DYN
  uint64_t entry = 0;
  uint64_t phoff = 0, phnum = 0, phentsize = 0;
  std::vector<ElfSegment> segments;   // PT_LOAD, in file order
  std::string interpreter;            // PT_INTERP, empty for static
  uint64_t min_vaddr = 0, max_vaddr = 0;  // page-aligned span of the loads
  bool exec_stack = false;
};

// Parse and validate. On failure returns false with a message suited to
// the user ("not an ELF file", "ELF for another architecture", ...).
bool parse_elf(std::string_view file, ElfImage* out, std::string* error);

struct LoadedElf {
  uint64_t bias = 0;        // added to every vaddr
  uint64_t entry = 0;       // biased entry
  uint64_t phdr_addr = 0;   // where the program headers are in guest memory
  uint64_t end = 0;         // first page above the highest segment (brk start)
};

// Map the segments at `bias` and copy their contents. `content_key`: the
// file's fs::File::content_key (0: none); with it, a warm engine's parked
// code from the same file at the same place is adopted without rebuilding
// or comparing its bytes (Vma::content_id).
Result<LoadedElf> load_elf(AddressSpace& mem, const ElfImage& image, std::string_view file, uint64_t bias,
                           const std::string& name, uint64_t content_key = 0);

}  // namespace vmrun
