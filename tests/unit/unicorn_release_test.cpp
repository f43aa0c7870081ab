// What vmrun relies on from the Unicorn release it runs on (2.1.4), tested
// on raw engines so that a regression shows up here rather than as a rare
// crash of a guest. docs/UNICORN.md has the history of each.
#include <catch2/catch.hpp>
#include <unicorn/unicorn.h>

#include <string>
#include <vector>

#include "emu/arch/guest_cpu.h"
#include "emu/engine/unicorn_version.h"

using namespace vmrun;

namespace {

constexpr uint64_t kCode = 0x10000;

// `blocks` blocks, each one instruction and a jump to the next; returns the
// address after the last one.
uint64_t write_chain(uc_engine* uc, bool x86, int blocks) {
  std::vector<uint8_t> code;
  for (int i = 0; i < blocks; i++) {
    if (x86) {
      code.insert(code.end(), {0x48, 0xff, 0xc0});  // inc rax
      code.insert(code.end(), {0xeb, 0x00});        // jmp +0
    } else {
      code.insert(code.end(), {0x13, 0x05, 0x15, 0x00});  // addi a0, a0, 1
      code.insert(code.end(), {0x6f, 0x00, 0x40, 0x00});  // jal x0, +4
    }
  }
  REQUIRE(uc_mem_map(uc, kCode, (code.size() + 0x1fff) & ~0xfffull, UC_PROT_ALL) == UC_ERR_OK);
  REQUIRE(uc_mem_write(uc, kCode, code.data(), code.size()) == UC_ERR_OK);
  return kCode + code.size();
}

}  // namespace

TEST_CASE("the loaded Unicorn is 2.1.4 or newer, and older ones are refused with a reason") {
  std::string why;
  CHECK(loaded_unicorn_supported(&why));
  CHECK(unicorn_version_supported(unicorn_packed_version(2, 1, 4), &why));
  CHECK(unicorn_version_supported(unicorn_packed_version(2, 1, 5), &why));
  CHECK(unicorn_version_supported(unicorn_packed_version(2, 2, 0), &why));
  CHECK(unicorn_version_supported(unicorn_packed_version(3, 0, 0), &why));
  why.clear();
  CHECK_FALSE(unicorn_version_supported(unicorn_packed_version(2, 1, 1), &why));
  CHECK(why.find("2.1.1") != std::string::npos);
  CHECK(why.find("2.1.4 or newer") != std::string::npos);
  CHECK_FALSE(unicorn_version_supported(unicorn_packed_version(2, 0, 9), &why));
  CHECK_FALSE(unicorn_version_supported(unicorn_packed_version(1, 9, 9), &why));
}

TEST_CASE("a translation buffer that fills again and again is flushed by Unicorn, not a crash") {
  // 100,000 chained one-instruction blocks through a 4 MiB buffer: it fills
  // several times. Unicorn 2.1.1 zeroed the buffer without a flush on the
  // first fill and then chained a stale block (SIGSEGV in the host, every
  // time); 2.1.3 fixed it ("Init tcg region buffer"), so vmrun no longer
  // flushes each engine once by itself.
  for (bool x86 : {true, false}) {
    INFO((x86 ? "x86_64" : "riscv64"));
    std::string err;
    uc_struct* uc = x86 ? open_unicorn(UC_ARCH_X86, UC_MODE_64, -1, 4u << 20, &err)
                        : open_unicorn(UC_ARCH_RISCV, UC_MODE_RISCV64, -1, 4u << 20, &err);
    REQUIRE(uc != nullptr);
    const int kBlocks = 100000;
    uint64_t end = write_chain(uc, x86, kBlocks);
    for (int round = 0; round < 2; round++) {
      uint64_t zero = 0;
      REQUIRE(uc_reg_write(uc, x86 ? int{UC_X86_REG_RAX} : int{UC_RISCV_REG_A0}, &zero) == UC_ERR_OK);
      REQUIRE(uc_emu_start(uc, kCode, end, 0, 0) == UC_ERR_OK);
      uint64_t n = 0;
      uc_reg_read(uc, x86 ? int{UC_X86_REG_RAX} : int{UC_RISCV_REG_A0}, &n);
      CHECK(n == kBlocks);
    }
    uc_close(uc);
  }
}
