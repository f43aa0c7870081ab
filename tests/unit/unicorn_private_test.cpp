// unicorn_private: the fields vmrun reads and writes inside Unicorn's
// engine state. The Unicorn we ship must be a release whose layout is known
// (upgrading it fails here until the offsets are re-derived, instead of
// silently losing the optimisations); the fingerprint must accept that
// layout and refuse shifted ones; nothing is written when it does not
// match; and VMRUN_NO_UNICORN_PRIVATE turns it all off.
#include <catch2/catch.hpp>
#include <unicorn/unicorn.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "emu/arch/guest_cpu.h"
#include "emu/engine/unicorn_private.h"
#include "emu/engine/unicorn_version.h"
#include "test_support.h"

using namespace vmrun;
namespace up = vmrun::unicorn_private;

namespace {
bool switched_off_here() { return up::switched_off(std::getenv("VMRUN_NO_UNICORN_PRIVATE")); }
}  // namespace

TEST_CASE("the shipped Unicorn is a release whose private layout is known") {
  const unsigned version = uc_version(nullptr, nullptr);
  INFO("uc_version " << std::hex << version);
  REQUIRE(up::layout_for(version) != nullptr);
  CHECK(up::layout_for(version)->version == version);
  CHECK(up::active_layout() == (switched_off_here() ? nullptr : up::layout_for(version)));
  // The full version decides, patch level included.
  CHECK(up::layout_for(unicorn_packed_version(2, 1, 4)) != nullptr);
  CHECK(up::layout_for(unicorn_packed_version(2, 1, 1)) == nullptr);
  CHECK(up::layout_for(unicorn_packed_version(2, 1, 5)) == nullptr);
  CHECK(up::layout_for(unicorn_packed_version(2, 1, 4, 0)) == nullptr);  // a pre-release
}

TEST_CASE("VMRUN_NO_UNICORN_PRIVATE turns private state off") {
  CHECK_FALSE(up::switched_off(nullptr));
  CHECK_FALSE(up::switched_off(""));
  CHECK_FALSE(up::switched_off("0"));
  CHECK(up::switched_off("1"));
  CHECK(up::switched_off("yes"));
}

TEST_CASE("engines run without per-access exit checks, and tail mode can turn them back on") {
  for (Arch arch : {Arch::X86_64, Arch::RiscV64}) {
    INFO(arch_name(arch));
    auto cpu = GuestCpu::create(arch);
    std::string err;
    uc_struct* uc = cpu->open_engine(4u << 20, &err);
    REQUIRE(uc);
    if (!up::enabled()) {
      // Switched off: nothing is touched, the checks stay as Unicorn has them.
      CHECK(up::matching_layout(uc) == nullptr);
      CHECK_FALSE(up::set_exit_checks(uc, false));
      uint64_t addr = 0;
      CHECK_FALSE(up::last_invalid_address(uc, &addr));
      uc_close(uc);
      continue;
    }
    const up::Layout* l = up::matching_layout(uc);
    REQUIRE(l != nullptr);
    const auto* bytes = reinterpret_cast<const uint8_t*>(uc);
    CHECK(bytes[l->no_exit_request()] == 1);
    CHECK(up::set_exit_checks(uc, true));
    CHECK(bytes[l->no_exit_request()] == 0);
    CHECK(up::set_exit_checks(uc, false));
    CHECK(bytes[l->no_exit_request()] == 1);
    uc_close(uc);
  }
}

TEST_CASE("the fingerprint refuses the known layout shifted anywhere in the engine") {
  // A layout that moved by any multiple of 4 bytes must not be taken for
  // the known one (the fields around it hold pointers, counters, nulls).
  const up::Layout* known = up::layout_for(uc_version(nullptr, nullptr));
  REQUIRE(known != nullptr);
  std::string err;
  uc_struct* uc = open_unicorn(UC_ARCH_X86, UC_MODE_64, -1, 4u << 20, &err);
  REQUIRE(uc != nullptr);
  const up::PublicFacts facts = up::public_facts(uc);
  CHECK(facts.arch == UC_ARCH_X86);
  CHECK(facts.mode == UC_MODE_64);
  CHECK(facts.tcg_buffer_size == 4u << 20);
  CHECK(up::layout_matches(uc, *known, facts));
  int accepted = 0;
  for (long shift = -2000; shift <= 13000; shift += 4) {
    if (shift == 0) continue;
    up::Layout moved = *known;
    auto move = [&](size_t& off) { off = static_cast<size_t>(static_cast<long>(off) + shift); };
    if (static_cast<long>(moved.invalid_addr) + shift < 0 || static_cast<long>(moved.target_page_size) + shift < 0)
      continue;
    move(moved.invalid_addr);
    move(moved.target_page_size);
    move(moved.host_page_size);
    move(moved.icache_line);
    move(moved.hook_insert);
    if (static_cast<long>(moved.tcg_buffer_size) + shift < 0) continue;
    move(moved.tcg_buffer_size);
    if (moved.tcg_buffer_size + 4 > moved.struct_size || moved.hook_insert + 4 > moved.struct_size) continue;
    if (up::layout_matches(uc, moved, facts)) accepted++;
  }
  CHECK(accepted == 0);
  uc_close(uc);
}

TEST_CASE("a layout that does not match is left alone") {
  // Plausible-looking bytes that are not an engine: every field of the
  // fingerprint but one in place.
  const up::Layout& l = up::kLayouts[0];
  std::vector<uint8_t> fake(l.struct_size, 0);
  auto put32 = [&](size_t off, uint32_t v) { std::memcpy(fake.data() + off, &v, 4); };
  auto put64 = [&](size_t off, uint64_t v) { std::memcpy(fake.data() + off, &v, 8); };
  put32(l.arch, UC_ARCH_X86);
  put32(l.arch + 4, UC_MODE_64);
  put32(l.target_page_size, 4096);
  put32(l.target_page_size + 4, 4095);
  put64(l.host_page_size, 4096);
  put64(l.host_page_size + 8, 4096);
  put32(l.icache_line, 64);
  put32(l.tcg_buffer_size, 4u << 20);
  fake[l.init_done()] = 1;
  auto* uc = reinterpret_cast<uc_struct*>(fake.data());
  up::PublicFacts facts;
  facts.arch = UC_ARCH_X86;
  facts.mode = UC_MODE_64;
  facts.tcg_buffer_size = 4u << 20;
  CHECK(up::layout_matches(uc, l, facts));
  up::PublicFacts other = facts;
  other.tcg_buffer_size = 8u << 20;  // uc_ctl reports another size
  CHECK_FALSE(up::layout_matches(uc, l, other));
  other = facts;
  other.mode = UC_MODE_32;
  CHECK_FALSE(up::layout_matches(uc, l, other));
  put32(l.target_page_size + 4, 4096);  // not page_size - 1
  CHECK_FALSE(up::layout_matches(uc, l, facts));
}

TEST_CASE("x86-64 faults clear old_exception through the known context slot, or the register API when off") {
  // Two #GP in a row with a handler that survives the first: without the
  // clear, the second arrives as a double fault (tests/guest/cpu_state.c
  // checks each privileged instruction; hostile.x86_64.privileged all 26).
  Config c = test::config_for(Arch::X86_64);
  c.contain = false;  // the backend runs in this process
  RunResult r = Sandbox(c).run(test::request({"/t/cpu_state"}));
  INFO(r.stdout_data << r.message);
  CHECK(r.stop_reason == StopReason::Exited);
  CHECK(r.stdout_data.find("privileged: SIGILL\n") != std::string::npos);
  CHECK(std::string(x86_old_exception_method()) == (up::enabled() ? "context slot" : "register copy"));
}
