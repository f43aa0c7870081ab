// unicorn_private: the fields vmrun reads and writes inside Unicorn 2.1.1's
// engine state are found on the Unicorn we ship (a changed layout would
// fail here instead of silently losing the optimisations), and nothing is
// written when the fingerprint does not match.
#include <catch2/catch.hpp>
#include <unicorn/unicorn.h>

#include <cstring>
#include <string>
#include <vector>

#include "emu/guest_cpu.h"
#include "emu/unicorn_private.h"

using namespace vmrun;
namespace up = vmrun::unicorn_private;

TEST_CASE("engines run without per-access exit checks, and tail mode can turn them back on") {
  for (Arch arch : {Arch::X86_64, Arch::RiscV64}) {
    INFO(arch_name(arch));
    auto cpu = GuestCpu::create(arch);
    std::string err;
    uc_struct* uc = cpu->open_engine(4u << 20, &err);
    REQUIRE(uc);
    CHECK(up::layout_matches(uc));
    const auto* bytes = reinterpret_cast<const uint8_t*>(uc);
    CHECK(bytes[up::kNoExitRequest] == 1);
    CHECK(up::set_exit_checks(uc, true));
    CHECK(bytes[up::kNoExitRequest] == 0);
    uc_close(uc);
  }
}

TEST_CASE("a layout that does not match is left alone") {
  // A block of plausible-looking bytes that is not an engine: every field
  // of the fingerprint but one in place.
  std::vector<uint8_t> fake(4096, 0);
  auto put32 = [&](size_t off, uint32_t v) { std::memcpy(fake.data() + off, &v, 4); };
  auto put64 = [&](size_t off, uint64_t v) { std::memcpy(fake.data() + off, &v, 8); };
  put32(up::kTargetPageSize, 4096);
  put32(up::kTargetPageSize + 4, 4095);
  put64(up::kHostPageSize, 4096);
  put64(up::kHostPageSize + 8, 4096);
  put32(up::kIcacheLine, 64);
  fake[up::kInitDone] = 1;
  auto* uc = reinterpret_cast<uc_struct*>(fake.data());
  CHECK(up::layout_matches(uc));
  put32(up::kTargetPageSize + 4, 4096);  // not page_size - 1
  CHECK_FALSE(up::layout_matches(uc));
  CHECK_FALSE(up::set_exit_checks(uc, false));
  CHECK(fake[up::kNoExitRequest] == 0);
  uint64_t addr = 0;
  CHECK_FALSE(up::last_invalid_address(uc, &addr));
}
