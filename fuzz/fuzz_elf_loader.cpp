// fuzz_elf_loader: the ELF loader (emu/loader/elf_loader.cpp) on arbitrary bytes.
//
// parse_elf must refuse with a message or accept an image whose fields obey
// the loader's own rules; an accepted image is then loaded with load_elf
// into an AddressSpace on a real Unicorn engine of its architecture, at the
// bias Kernel::load_program uses (and, for ET_DYN, a second time where an
// interpreter would go), with a 1 GiB memory limit. Loading must succeed or fail cleanly, and the
// result must describe what was mapped. One engine per architecture is
// reused across inputs (every area is unmapped again after each input).
#include <elf.h>
#include <unicorn/unicorn.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "emu/loader/elf_loader.h"
#include "emu/arch/guest_cpu.h"
#include "emu/mm/guest_memory.h"
#include "fuzz/fuzz_support.h"

using namespace vmrun;

namespace {

struct Engine {
  std::unique_ptr<GuestCpu> cpu;
  uc_struct* uc = nullptr;
};
Engine g_engines[2];

Engine& engine_for(Arch arch) {
  Engine& e = g_engines[arch == Arch::X86_64 ? 0 : 1];
  if (!e.uc) {
    e.cpu = GuestCpu::create(arch);
    std::string err;
    e.uc = e.cpu->open_engine(64u << 20, &err);
    if (!e.uc) fuzz::fail("open_engine: " + err);
  }
  return e;
}

void check_image(std::string_view file, const ElfImage& img) {
  if (img.segments.empty() || img.segments.size() > 64) fuzz::fail("accepted image with a bad segment count");
  if (img.machine != EM_X86_64 && img.machine != EM_RISCV) fuzz::fail("accepted image for another machine");
  if (img.entry < img.min_vaddr || img.entry >= img.max_vaddr) fuzz::fail("accepted entry outside the segments");
  if (img.max_vaddr < img.min_vaddr || img.max_vaddr - img.min_vaddr > (1ull << 36))
    fuzz::fail("accepted span too large");
  if (img.interpreter.size() >= 4096 || img.interpreter.find('\0') != std::string::npos)
    fuzz::fail("accepted bad interpreter string");
  for (auto& s : img.segments) {
    if (s.filesz > s.memsz || s.offset > file.size() || s.filesz > file.size() - s.offset)
      fuzz::fail("accepted segment outside the file");
    if (s.vaddr + s.memsz < s.vaddr || s.vaddr < img.min_vaddr || s.vaddr + s.memsz > img.max_vaddr)
      fuzz::fail("accepted segment outside the span");
  }
}

void unmap_all(AddressSpace& mem) {
  std::vector<std::pair<uint64_t, uint64_t>> areas;
  for (auto& [start, v] : mem.vmas()) areas.emplace_back(start, v.end - start);
  for (auto& [start, len] : areas)
    if (!mem.unmap(start, len).ok()) fuzz::fail("cannot unmap a loaded area");
  if (!mem.vmas().empty()) fuzz::fail("areas left after unmapping");
}

void check_loaded(AddressSpace& mem, std::string_view file, const ElfImage& img, const LoadedElf& l,
                  uint64_t bias) {
  if (l.entry != img.entry + bias || l.end != img.max_vaddr + bias) fuzz::fail("LoadedElf entry/end inconsistent");
  for (auto& s : img.segments) {
    const Vma* v = mem.vma_at(s.vaddr + bias);
    if (!v) fuzz::fail("a loaded segment is not mapped");
    if ((v->prot & s.prot) != s.prot) fuzz::fail("a loaded segment lacks its protection");
  }
  if (l.phdr_addr && !mem.vma_at(l.phdr_addr)) fuzz::fail("AT_PHDR points at unmapped memory");
  // Contents: checkable when no two segments share a page.
  bool disjoint = true;
  for (size_t i = 0; i < img.segments.size() && disjoint; i++)
    for (size_t j = i + 1; j < img.segments.size(); j++) {
      auto& a = img.segments[i];
      auto& b = img.segments[j];
      if (page_down(a.vaddr) < page_up(b.vaddr + b.memsz) && page_down(b.vaddr) < page_up(a.vaddr + a.memsz)) {
        disjoint = false;
        break;
      }
    }
  if (!disjoint) return;
  std::string buf;
  for (auto& s : img.segments) {
    uint64_t n = std::min<uint64_t>(s.filesz, 1 << 16);
    buf.resize(n);
    if (!mem.peek(s.vaddr + bias, buf.data(), n).ok()) fuzz::fail("cannot read a loaded segment back");
    if (std::memcmp(buf.data(), file.data() + s.offset, n) != 0) fuzz::fail("segment contents differ from the file");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logging();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view file(reinterpret_cast<const char*>(data), size);
  ElfImage img;
  std::string err;
  if (!parse_elf(file, &img, &err)) {
    if (err.empty()) fuzz::fail("refused without a message");
    return 0;
  }
  check_image(file, img);
  Arch arch = img.machine == EM_X86_64 ? Arch::X86_64 : Arch::RiscV64;
  Engine& e = engine_for(arch);
  const AddressLayout& layout = e.cpu->layout();
  // A 1 GiB memory limit (Config's default is 4 GiB): Unicorn's cache
  // invalidation walks every page of a mapped or unmapped range, so images
  // spanning tens of GiB cost ~0.1 s each to map and unmap and would slow
  // the fuzzer 100-fold (docs/FUZZING.md). The loader's own bounds (span
  // cap, copies limited by the file) are exercised either way.
  MemoryAccount account;
  account.limit = 1ull << 30;
  AddressSpace mem(e.uc, &account, layout.user_top);
  uint64_t bias = img.position_independent ? layout.pie_base - img.min_vaddr : 0;
  auto loaded = load_elf(mem, img, file, bias, "fuzz");
  if (loaded.ok()) {
    check_loaded(mem, file, img, loaded.value(), bias);
    if (img.position_independent) {
      // Where Kernel::load_program puts an interpreter: below mmap_top.
      auto base = mem.find_free(img.max_vaddr - img.min_vaddr, layout.mmap_top);
      if (base.ok()) {
        if (base.value() & (kPageSize - 1)) fuzz::fail("find_free returned an unaligned address");
        uint64_t b2 = base.value() - img.min_vaddr;
        auto again = load_elf(mem, img, file, b2, "fuzz-interp");
        if (again.ok()) check_loaded(mem, file, img, again.value(), b2);
      }
    }
  } else if (loaded.error() <= 0 || loaded.error() > 4095) {
    fuzz::fail("load_elf failed with a bad errno");
  }
  uint64_t mapped = mem.mapped_bytes();
  if (mapped != account.used) fuzz::fail("memory accounting out of step");
  unmap_all(mem);
  if (account.used != 0) fuzz::fail("memory accounting not back to zero");
  return 0;
}
