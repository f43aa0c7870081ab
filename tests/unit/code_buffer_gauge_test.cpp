// CodeBufferGauge reads how full an engine's translation buffer is from
// Unicorn's internals; these tests pin it to the Unicorn we ship (if its
// layout changed, attach() would fail here rather than silently fall back
// to the estimate in Kernel::translation_hook).
#include <catch2/catch.hpp>
#include <unicorn/unicorn.h>

#include <string>
#include <vector>

#include "emu/code_buffer_gauge.h"
#include "emu/guest_cpu.h"

using namespace vmrun;

namespace {

constexpr uint64_t kCode = 0x10000;
constexpr uint32_t kBuffer = 4u << 20;

// `blocks` blocks, each one instruction and a jump to the next, then an
// end marker; returns the address of the marker.
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

TEST_CASE("the translation buffer gauge reads Unicorn's fill pointer on both arches") {
  for (bool x86 : {true, false}) {
    INFO((x86 ? "x86_64" : "riscv64"));
    std::string err;
    uc_struct* uc = x86 ? open_unicorn(UC_ARCH_X86, UC_MODE_64, -1, kBuffer, &err)
                        : open_unicorn(UC_ARCH_RISCV, UC_MODE_RISCV64, -1, kBuffer, &err);
    REQUIRE(uc != nullptr);
    uint64_t end = write_chain(uc, x86, 2000);
    CodeBufferGauge gauge;
    REQUIRE(gauge.attach(uc));
    CHECK(gauge.buffer_bytes() == kBuffer);
    uint64_t before = gauge.headroom();
    CHECK(before > kBuffer / 2);
    CHECK(before <= kBuffer);
    REQUIRE(uc_emu_start(uc, kCode, end, 0, 0) == UC_ERR_OK);
    uint64_t after = gauge.headroom();
    // 2,000 new blocks: at least 32 bytes of host code each, and nowhere
    // near the whole buffer.
    CHECK(before - after >= 2000 * 32);
    CHECK(before - after < kBuffer / 2);
    // A flush starts the buffer over.
    REQUIRE(uc_ctl_flush_tb(uc) == UC_ERR_OK);
    CHECK(gauge.headroom() > after);
    uc_close(uc);
  }
}

TEST_CASE("the gauge refuses what is not Unicorn's translation state, without faulting") {
  // Pretend the layout moved: look for the TCG context at every other word
  // of the engine's structure. Those words hold small numbers, host
  // pointers to other structures and nulls; every one must be refused
  // (read safely, then rejected by the cross-checks), none trusted.
  std::string err;
  uc_struct* uc = open_unicorn(UC_ARCH_X86, UC_MODE_64, -1, kBuffer, &err);
  REQUIRE(uc != nullptr);
  uint64_t end = write_chain(uc, true, 10);
  REQUIRE(uc_emu_start(uc, kCode, end, 0, 0) == UC_ERR_OK);
  CodeBufferGauge gauge;
  REQUIRE(gauge.attach(uc));
  int accepted = 0;
  for (size_t off = 0; off < 14000; off += 8) {
    if (off == CodeBufferGauge::kTcgCtxOffset) continue;
    CodeBufferGauge probe;
    if (probe.attach(uc, off)) accepted++;
  }
  CHECK(accepted == 0);
  uc_close(uc);
}
