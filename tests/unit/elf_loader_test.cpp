// The ELF loader on hostile input: every malformed file is refused with a
// message, and random corruption of real executables never crashes it.
#include <elf.h>

#include <catch2/catch.hpp>
#include <sys/resource.h>
#include <unicorn/unicorn.h>

#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "emu/loader/elf_loader.h"
#include "test_support.h"

using namespace vmrun;

namespace {

// A minimal static x86-64 executable: one PT_LOAD of one page holding the
// headers and a `hlt`.
std::string minimal_elf(uint16_t machine = EM_X86_64) {
  std::string f(4096, '\0');
  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_EXEC;
  eh.e_machine = machine;
  eh.e_version = EV_CURRENT;
  eh.e_entry = 0x400000 + 0x100;
  eh.e_phoff = sizeof eh;
  eh.e_ehsize = sizeof eh;
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = 1;
  Elf64_Phdr ph{};
  ph.p_type = PT_LOAD;
  ph.p_flags = PF_R | PF_X;
  ph.p_offset = 0;
  ph.p_vaddr = 0x400000;
  ph.p_filesz = 4096;
  ph.p_memsz = 4096;
  ph.p_align = 4096;
  std::memcpy(f.data(), &eh, sizeof eh);
  std::memcpy(f.data() + sizeof eh, &ph, sizeof ph);
  f[0x100] = static_cast<char>(0xf4);
  return f;
}

Elf64_Ehdr* ehdr(std::string& f) { return reinterpret_cast<Elf64_Ehdr*>(f.data()); }
Elf64_Phdr* phdr(std::string& f) { return reinterpret_cast<Elf64_Phdr*>(f.data() + sizeof(Elf64_Ehdr)); }

std::string refuse(const std::string& f) {
  ElfImage img;
  std::string err;
  bool ok = parse_elf(f, &img, &err);
  return ok ? std::string("accepted") : err;
}

}  // namespace

TEST_CASE("a minimal executable parses") {
  ElfImage img;
  std::string err;
  std::string f = minimal_elf();
  REQUIRE(parse_elf(f, &img, &err));
  CHECK(img.entry == 0x400100);
  CHECK(img.segments.size() == 1);
  CHECK(img.interpreter.empty());
}

TEST_CASE("malformed headers are refused with a message") {
  CHECK(refuse("") == "not an ELF file");
  CHECK(refuse("#!/bin/sh\n") == "not an ELF file");
  CHECK(refuse(minimal_elf().substr(0, 20)) == "truncated ELF header");
  {
    auto f = minimal_elf();
    f[EI_CLASS] = ELFCLASS32;
    CHECK(refuse(f) == "not a 64-bit ELF file");
  }
  {
    auto f = minimal_elf();
    f[EI_DATA] = ELFDATA2MSB;
    CHECK(refuse(f) == "not a little-endian ELF file");
  }
  CHECK(refuse(minimal_elf(EM_AARCH64)).find("is not x86-64 or riscv64") != std::string::npos);
  {
    auto f = minimal_elf();
    ehdr(f)->e_type = ET_REL;
    CHECK(refuse(f).find("not an executable") != std::string::npos);
  }
  {
    auto f = minimal_elf();
    ehdr(f)->e_phnum = 0;
    CHECK(refuse(f) == "bad ELF program header table");
  }
  {
    auto f = minimal_elf();
    ehdr(f)->e_phentsize = 12;
    CHECK(refuse(f) == "bad ELF program header table");
  }
  {
    auto f = minimal_elf();
    ehdr(f)->e_phoff = 1ull << 62;  // far outside, and overflow-prone
    CHECK(refuse(f) == "ELF program headers lie outside the file");
  }
}

TEST_CASE("hostile segments are refused") {
  {
    auto f = minimal_elf();
    phdr(f)->p_filesz = 1 << 20;  // more than the file
    phdr(f)->p_memsz = 1 << 20;
    CHECK(refuse(f) == "ELF segment lies outside the file");
  }
  {
    auto f = minimal_elf();
    phdr(f)->p_filesz = 8192;
    phdr(f)->p_memsz = 4096;  // filesz > memsz
    CHECK(refuse(f) == "ELF segment lies outside the file");
  }
  {
    auto f = minimal_elf();
    phdr(f)->p_vaddr = ~0ull - 100;  // wraps
    CHECK(refuse(f) == "ELF segment address out of range");
  }
  {
    auto f = minimal_elf();
    phdr(f)->p_vaddr = 0x400010;  // not congruent with the offset
    CHECK(refuse(f) == "ELF segment misaligned");
  }
  {
    auto f = minimal_elf();
    phdr(f)->p_memsz = 1ull << 40;  // a terabyte of bss
    CHECK(refuse(f) == "ELF segments span too much address space");
  }
  {
    auto f = minimal_elf();
    ehdr(f)->e_entry = 0x10;
    CHECK(refuse(f) == "ELF entry point lies outside its segments");
  }
  {
    auto f = minimal_elf();
    phdr(f)->p_type = PT_NOTE;
    CHECK(refuse(f) == "ELF file has nothing to load");
  }
}

TEST_CASE("a huge bss within the span is refused by the memory limit, not allocated") {
  auto f = minimal_elf();
  phdr(f)->p_memsz = 16ull << 30;  // 16 GiB
  ElfImage img;
  std::string err;
  REQUIRE(parse_elf(f, &img, &err));
  uc_engine* uc;
  REQUIRE(uc_open(UC_ARCH_X86, UC_MODE_64, &uc) == UC_ERR_OK);
  {
    MemoryAccount account{256 << 20};
    AddressSpace mem(uc, &account, 0x7ffffffff000ull);
    rusage before{}, after{};
    getrusage(RUSAGE_SELF, &before);
    auto r = load_elf(mem, img, f, 0, "x");
    getrusage(RUSAGE_SELF, &after);
    CHECK(r.error() == ENOMEM);
    CHECK(mem.mapped_bytes() == 0);
    // Nor staged on the host: the loader once built each run in a buffer
    // of the run's size (16 GiB here) before the limit refused it.
    CHECK(after.ru_maxrss - before.ru_maxrss < 64 * 1024);  // KiB
  }
  uc_close(uc);
}

TEST_CASE("random corruption of real executables never crashes the loader") {
  for (Arch arch : {Arch::X86_64, Arch::RiscV64}) {
    std::ifstream in(test::rootfs(arch) + "/bin/busybox", std::ios::binary);
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string original = ss.str();
    std::mt19937_64 rng(1234);
    int accepted = 0, refused = 0;
    for (int iter = 0; iter < 300; iter++) {
      std::string f = original.substr(0, 1 << 16);  // headers and the start of the text
      int flips = 1 + rng() % 8;
      for (int i = 0; i < flips; i++) {
        // Corrupt the ELF and program headers, where the loader looks.
        size_t pos = rng() % 1024;
        f[pos] = static_cast<char>(rng());
      }
      ElfImage img;
      std::string err;
      if (!parse_elf(f, &img, &err)) {
        CHECK_FALSE(err.empty());
        refused++;
        continue;
      }
      accepted++;
      uc_engine* uc;
      REQUIRE(uc_open(arch == Arch::X86_64 ? UC_ARCH_X86 : UC_ARCH_RISCV,
                      arch == Arch::X86_64 ? UC_MODE_64 : UC_MODE_RISCV64, &uc) == UC_ERR_OK);
      {
        MemoryAccount account{512 << 20};
        AddressSpace mem(uc, &account, 0x7ffffffff000ull);
        auto r = load_elf(mem, img, f, img.position_independent ? 0x555555554000ull - img.min_vaddr : 0, "x");
        (void)r;  // either loads or refuses; neither may crash
        CHECK(mem.mapped_bytes() <= (512u << 20));
      }
      uc_close(uc);
    }
    CHECK(refused > 0);
    CHECK(accepted + refused == 300);
  }
}
