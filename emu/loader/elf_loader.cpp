#include "emu/loader/elf_loader.h"

#include "emu/arch/guest_abi.h"

#include <elf.h>

#include <algorithm>
#include <cstring>

namespace vmrun {
namespace {

constexpr uint64_t kMaxSegments = 64;
constexpr uint64_t kMaxSpan = 1ull << 36;  // 64 GiB of address span per image

template <class T>
bool read_at(std::string_view file, uint64_t off, T* out) {
  if (off > file.size() || file.size() - off < sizeof(T)) return false;
  std::memcpy(out, file.data() + off, sizeof(T));
  return true;
}

uint32_t to_prot(uint32_t pf) {
  return (pf & PF_R ? kProtRead : 0) | (pf & PF_W ? kProtWrite : 0) | (pf & PF_X ? kProtExec : 0);
}

}  // namespace

bool parse_elf(std::string_view file, ElfImage* out, std::string* error) {
  Elf64_Ehdr eh;
  if (file.size() < 4 || std::memcmp(file.data(), ELFMAG, SELFMAG) != 0) {
    *error = "not an ELF file";
    return false;
  }
  if (!read_at(file, 0, &eh)) {
    *error = "truncated ELF header";
    return false;
  }
  if (eh.e_ident[EI_CLASS] != ELFCLASS64) {
    *error = "not a 64-bit ELF file";
    return false;
  }
  if (eh.e_ident[EI_DATA] != ELFDATA2LSB) {
    *error = "not a little-endian ELF file";
    return false;
  }
  if (!GuestAbi::for_machine(eh.e_machine)) {
    *error = "ELF machine " + std::to_string(eh.e_machine) + " is not x86-64 or riscv64";
    return false;
  }
  if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
    *error = "ELF file is not an executable (type " + std::to_string(eh.e_type) + ")";
    return false;
  }
  if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > kMaxSegments * 4) {
    *error = "bad ELF program header table";
    return false;
  }
  out->machine = eh.e_machine;
  out->position_independent = eh.e_type == ET_DYN;
  out->entry = eh.e_entry;
  out->phoff = eh.e_phoff;
  out->phnum = eh.e_phnum;
  out->phentsize = eh.e_phentsize;
  if (eh.e_phoff > file.size() || (file.size() - eh.e_phoff) / sizeof(Elf64_Phdr) < eh.e_phnum) {
    *error = "ELF program headers lie outside the file";
    return false;
  }
  uint64_t lo = UINT64_MAX, hi = 0;
  for (uint64_t i = 0; i < eh.e_phnum; i++) {
    Elf64_Phdr ph;
    read_at(file, eh.e_phoff + i * sizeof ph, &ph);
    if (ph.p_type == PT_INTERP) {
      if (ph.p_offset > file.size() || ph.p_filesz > file.size() - ph.p_offset || ph.p_filesz < 2 ||
          ph.p_filesz > 4096) {
        *error = "bad PT_INTERP";
        return false;
      }
      out->interpreter.assign(file.data() + ph.p_offset, ph.p_filesz);
      auto nul = out->interpreter.find('\0');
      if (nul == std::string::npos) {
        *error = "PT_INTERP is not NUL-terminated";
        return false;
      }
      out->interpreter.resize(nul);
    } else if (ph.p_type == PT_GNU_STACK) {
      out->exec_stack = ph.p_flags & PF_X;
    } else if (ph.p_type == PT_LOAD) {
      if (ph.p_memsz == 0) continue;
      if (out->segments.size() >= kMaxSegments) {
        *error = "too many ELF segments";
        return false;
      }
      if (ph.p_filesz > ph.p_memsz || ph.p_offset > file.size() || ph.p_filesz > file.size() - ph.p_offset) {
        *error = "ELF segment lies outside the file";
        return false;
      }
      if (ph.p_vaddr + ph.p_memsz < ph.p_vaddr || ph.p_vaddr + ph.p_memsz > (1ull << 47)) {
        *error = "ELF segment address out of range";
        return false;
      }
      if ((ph.p_vaddr & (kPageSize - 1)) != (ph.p_offset & (kPageSize - 1))) {
        *error = "ELF segment misaligned";
        return false;
      }
      out->segments.push_back({ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz, to_prot(ph.p_flags)});
      lo = std::min(lo, page_down(ph.p_vaddr));
      hi = std::max(hi, page_up(ph.p_vaddr + ph.p_memsz));
    }
  }
  if (out->segments.empty()) {
    *error = "ELF file has nothing to load";
    return false;
  }
  if (hi - lo > kMaxSpan) {
    *error = "ELF segments span too much address space";
    return false;
  }
  out->min_vaddr = lo;
  out->max_vaddr = hi;
  if (out->entry < lo || out->entry >= hi) {
    *error = "ELF entry point lies outside its segments";
    return false;
  }
  return true;
}

namespace {

bool all_zero(const uint8_t* p, uint64_t n) {
  static const uint8_t zeros[4096] = {};
  while (n) {
    uint64_t k = std::min<uint64_t>(n, sizeof zeros);
    if (std::memcmp(p, zeros, k) != 0) return false;
    p += k, n -= k;
  }
  return true;
}

}  // namespace

Result<LoadedElf> load_elf(AddressSpace& mem, const ElfImage& image, std::string_view file, uint64_t bias,
                           const std::string& name, uint64_t content_key) {
  LoadedElf out;
  out.bias = bias;
  out.entry = image.entry + bias;
  if (image.min_vaddr + bias < 0x10000 || image.max_vaddr + bias > mem.user_top()) return Err{ENOMEM};
  // Pages shared by adjacent segments get the union of their protections,
  // as the kernel's page granularity gives; runs of equal protection are
  // mapped as one area (few Unicorn regions).
  std::vector<uint64_t> cuts;
  for (auto& s : image.segments) {
    cuts.push_back(page_down(s.vaddr + bias));
    cuts.push_back(page_up(s.vaddr + s.memsz + bias));
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  uint64_t run_lo = 0, run_hi = 0;
  uint32_t run_prot = 0;
  // Each run is mapped as one area, so that an engine kept warm
  // (emu/engine/engine_pool.h) can adopt an identical area it already holds, with
  // its translated code. Its bytes are compared and copied piece by piece
  // from the file: no buffer of the run's size is ever allocated, since a
  // hostile ELF can declare a run of many GiB (the memory limit refuses it
  // in map_fixed before anything is touched).
  struct Piece {
    uint64_t lo, hi;    // guest addresses, within the run
    const char* bytes;  // the file's bytes for [lo, hi)
  };
  std::vector<Piece> pieces;
  auto flush = [&]() -> Result<void> {
    if (run_hi > run_lo) {
      const uint64_t len = run_hi - run_lo;
      pieces.clear();
      for (auto& s : image.segments) {
        uint64_t lo = std::max(run_lo, s.vaddr + bias), hi = std::min(run_hi, s.vaddr + bias + s.filesz);
        if (lo < hi) pieces.push_back({lo, hi, file.data() + s.offset + (lo - s.vaddr - bias)});
      }
      // The run's bytes follow from the file, the run and the bias alone.
      uint64_t id = 0;
      if (content_key) {
        id = 1469598103934665603ull;
        for (uint64_t v : {content_key, run_lo, run_hi, bias})
          for (int i = 0; i < 8; i++) id = (id ^ ((v >> (8 * i)) & 0xff)) * 1099511628211ull;
        id |= 1;
      }
      // Whether host memory holding the run has exactly its bytes: the
      // pieces (in ascending order, not overlapping), zeros elsewhere.
      auto same = [&](const uint8_t* host) {
        uint64_t at = run_lo;
        for (auto& piece : pieces) {
          if (piece.lo < at) return false;  // overlapping segments: just map afresh
          if (!all_zero(host + (at - run_lo), piece.lo - at) ||
              std::memcmp(host + (piece.lo - run_lo), piece.bytes, piece.hi - piece.lo) != 0)
            return false;
          at = piece.hi;
        }
        return all_zero(host + (at - run_lo), run_hi - at);
      };
      if (!mem.adopt_code(run_lo, len, run_prot, name, id, same)) {
        TRY_VOID(mem.map_fixed(run_lo, len, run_prot, name));
        for (auto& piece : pieces) TRY_VOID(mem.fill(piece.lo, piece.bytes, piece.hi - piece.lo));
        mem.set_content_id(run_lo, id);
      }
    }
    run_lo = run_hi = 0;
    return Ok();
  };
  for (size_t i = 0; i + 1 < cuts.size(); i++) {
    uint64_t lo = cuts[i], hi = cuts[i + 1];
    uint32_t prot = 0;
    bool covered = false;
    for (auto& s : image.segments) {
      if (page_down(s.vaddr + bias) < hi && page_up(s.vaddr + s.memsz + bias) > lo) prot |= s.prot, covered = true;
    }
    if (!covered || prot != run_prot || lo != run_hi) TRY_VOID(flush());
    if (!covered) continue;
    if (run_hi == 0) run_lo = lo, run_prot = prot;
    run_hi = hi;
  }
  TRY_VOID(flush());
  out.end = image.max_vaddr + bias;
  // AT_PHDR: the program headers' address, found through the segment that
  // contains them in the file.
  for (auto& s : image.segments) {
    if (image.phoff >= s.offset && image.phoff + image.phnum * image.phentsize <= s.offset + s.filesz) {
      out.phdr_addr = s.vaddr + (image.phoff - s.offset) + bias;
      break;
    }
  }
  return out;
}

}  // namespace vmrun
