#include <elf.h>

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "emu/arch/guest_abi.h"
#include "syscalls/syscall_table.h"

using namespace vmrun;

TEST_CASE("every architecture has one complete GuestAbi row, found by name, alias and ELF machine") {
  std::set<Arch> seen;
  for (const GuestAbi& abi : GuestAbi::all()) {
    INFO(abi.name);
    CHECK(seen.insert(abi.arch).second);
    CHECK(&GuestAbi::of(abi.arch) == &abi);
    CHECK(GuestAbi::for_machine(abi.elf_machine) == &abi);
    CHECK(parse_arch(abi.name) == abi.arch);
    CHECK(std::string(arch_name(abi.arch)) == abi.name);
    for (const char* alias : abi.aliases) CHECK(parse_arch(alias) == abi.arch);
    // The layouts fit the buffers the handlers use.
    CHECK(abi.epoll_event_size <= 16);
    CHECK(abi.epoll_data_offset + 8 <= abi.epoll_event_size);
    CHECK(abi.sigaction_size <= 32);
    CHECK(static_cast<size_t>(abi.sigaction_mask_word) * 8 + 8 <= abi.sigaction_size);
    CHECK(abi.clone_tls_arg != abi.clone_child_tid_arg);
    CHECK(abi::encode_stat(abi.arch, fs::Attr{}).size() == abi.stat_size);
    CHECK(std::string(abi.cpuinfo).rfind("processor\t: 0\n", 0) == 0);
    // The syscall table is built for it.
    CHECK(SyscallTable::for_arch(abi.arch).lookup(0) != nullptr);
  }
  CHECK(seen.size() == all_arches().size());
  CHECK(GuestAbi::for_machine(EM_ARM) == nullptr);
  CHECK(!parse_arch("mips"));
}

TEST_CASE("struct stat is encoded in each guest layout") {
  fs::Attr a;
  a.dev = 0x801;
  a.ino = 1234;
  a.mode = 0100644;
  a.nlink = 3;
  a.size = 99;
  a.blocks = 8;
  a.mtime = {1700000000, 5};
  auto at = [](const std::string& s, size_t off, auto v) {
    decltype(v) got;
    std::memcpy(&got, s.data() + off, sizeof got);
    return got == v;
  };
  std::string x = abi::encode_stat(Arch::X86_64, a);  // the kernel's x86-64 struct stat
  CHECK(at(x, 8, uint64_t{1234}));
  CHECK(at(x, 16, uint64_t{3}));
  CHECK(at(x, 24, uint32_t{0100644}));
  CHECK(at(x, 48, int64_t{99}));
  CHECK(at(x, 88, int64_t{1700000000}));
  CHECK(at(x, 96, int64_t{5}));
  std::string r = abi::encode_stat(Arch::RiscV64, a);  // asm-generic
  CHECK(at(r, 16, uint32_t{0100644}));
  CHECK(at(r, 20, uint32_t{3}));
  CHECK(at(r, 48, int64_t{99}));
  CHECK(at(r, 64, int64_t{8}));
  CHECK(at(r, 88, int64_t{1700000000}));
}
