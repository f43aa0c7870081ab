// AddressSpace: checked copies honour guest protections and page edges;
// mappings, unmaps and protection changes keep Unicorn and our table in step.
#include <catch2/catch.hpp>
#include <unicorn/unicorn.h>

#include <cstring>
#include <vector>

#include "emu/mm/guest_memory.h"

using namespace vmrun;

namespace {
struct Engine {
  uc_engine* uc = nullptr;
  Engine() { REQUIRE(uc_open(UC_ARCH_X86, UC_MODE_64, &uc) == UC_ERR_OK); }
  ~Engine() { uc_close(uc); }
};
constexpr uint64_t kTop = 0x7ffffffff000ull;
}  // namespace

TEST_CASE("copy_in and copy_out give EFAULT at page edges") {
  Engine e;
  AddressSpace mem(e.uc, nullptr, kTop);
  const uint64_t base = 0x100000;
  REQUIRE(mem.map_fixed(base, kPageSize, kProtRead | kProtWrite).ok());
  std::vector<uint8_t> buf(kPageSize + 1, 0xab);
  // A whole page fits; one byte more crosses into unmapped memory.
  CHECK(mem.copy_out({base}, buf.data(), kPageSize).ok());
  CHECK(mem.copy_out({base}, buf.data(), kPageSize + 1).error() == EFAULT);
  CHECK(mem.copy_in({base}, buf.data(), kPageSize + 1).error() == EFAULT);
  CHECK(mem.copy_in({base + kPageSize - 1}, buf.data(), 1).ok());
  CHECK(mem.copy_in({base + kPageSize}, buf.data(), 1).error() == EFAULT);
  CHECK(mem.copy_in({0}, buf.data(), 1).error() == EFAULT);
  // Address wrap-around is a fault, not a wrap.
  CHECK(mem.copy_in({~0ull - 2}, buf.data(), 8).error() == EFAULT);
  // A failed copy_out writes nothing.
  uint8_t probe = 0;
  REQUIRE(mem.copy_out({base + kPageSize - 1}, &probe, 1).ok());
  std::vector<uint8_t> ff(2, 0xff);
  CHECK(mem.copy_out({base + kPageSize - 1}, ff.data(), 2).error() == EFAULT);
  REQUIRE(mem.copy_in({base + kPageSize - 1}, &probe, 1).ok());
  CHECK(probe == 0);
}

TEST_CASE("protections are enforced by the checked copies") {
  Engine e;
  AddressSpace mem(e.uc, nullptr, kTop);
  const uint64_t base = 0x200000;
  REQUIRE(mem.map_fixed(base, 3 * kPageSize, kProtRead | kProtWrite).ok());
  uint64_t v = 42;
  REQUIRE(mem.write({base + kPageSize}, v).ok());
  REQUIRE(mem.protect(base + kPageSize, kPageSize, kProtRead).ok());
  CHECK(mem.write({base + kPageSize}, v).error() == EFAULT);
  CHECK(mem.read<uint64_t>({base + kPageSize}).value() == 42);
  REQUIRE(mem.protect(base + kPageSize, kPageSize, kProtNone).ok());
  CHECK(mem.read<uint64_t>({base + kPageSize}).error() == EFAULT);
  // Neighbours keep their protection.
  CHECK(mem.write({base}, v).ok());
  CHECK(mem.write({base + 2 * kPageSize}, v).ok());
  CHECK(mem.vmas().size() == 3);
  // Protecting a range with a hole fails like Linux (ENOMEM).
  CHECK(mem.protect(base, 5 * kPageSize, kProtRead).error() == ENOMEM);
}

TEST_CASE("partial unmap leaves the rest mapped and its contents intact") {
  Engine e;
  AddressSpace mem(e.uc, nullptr, kTop);
  const uint64_t base = 0x300000;
  REQUIRE(mem.map_fixed(base, 4 * kPageSize, kProtRead | kProtWrite).ok());
  for (uint64_t i = 0; i < 4; i++) REQUIRE(mem.write<uint64_t>({base + i * kPageSize}, 100 + i).ok());
  REQUIRE(mem.unmap(base + kPageSize, kPageSize).ok());
  CHECK(mem.read<uint64_t>({base + kPageSize}).error() == EFAULT);
  CHECK(mem.read<uint64_t>({base}).value() == 100);
  CHECK(mem.read<uint64_t>({base + 2 * kPageSize}).value() == 102);
  CHECK(mem.read<uint64_t>({base + 3 * kPageSize}).value() == 103);
  CHECK(mem.mapped_bytes() == 3 * kPageSize);
  // The CPU agrees (the TLB-fill hook answers from the same table): a
  // load from the hole faults at its exact address, one beyond it works.
  const uint64_t code = 0x200000;
  REQUIRE(mem.map_fixed(code, kPageSize, kProtRead | kProtExec).ok());
  auto load = [&](uint32_t addr, uint64_t* rax) {
    uint8_t insn[8] = {0x48, 0x8b, 0x04, 0x25};  // mov rax, [addr]
    std::memcpy(insn + 4, &addr, 4);
    REQUIRE(mem.fill(code, insn, sizeof insn).ok());
    uc_err err = uc_emu_start(e.uc, code, code + sizeof insn, 0, 0);
    uc_reg_read(e.uc, UC_X86_REG_RAX, rax);
    return err;
  };
  uint64_t x = 0;
  CHECK(load(base + 2 * kPageSize, &x) == UC_ERR_OK);
  CHECK(x == 102);
  AddressSpace::Fault f;
  CHECK_FALSE(mem.take_fault(&f));
  CHECK(load(base + kPageSize + 24, &x) == UC_ERR_EXCEPTION);
  REQUIRE(mem.take_fault(&f));
  CHECK(f.addr == base + kPageSize + 24);
  CHECK(std::string(f.access) == "read");
  // Protection too: a PROT_NONE page refuses the load.
  REQUIRE(mem.protect(base + 2 * kPageSize, kPageSize, kProtNone).ok());
  CHECK(load(base + 2 * kPageSize, &x) == UC_ERR_EXCEPTION);
  REQUIRE(mem.take_fault(&f));
  CHECK(f.addr == base + 2 * kPageSize);
}

TEST_CASE("the memory limit gives ENOMEM and replacing does not double count") {
  Engine e;
  MemoryAccount account{8 * kPageSize};
  AddressSpace mem(e.uc, &account, kTop);
  REQUIRE(mem.map_fixed(0x400000, 6 * kPageSize, kProtRead).ok());
  CHECK(mem.map_fixed(0x500000, 3 * kPageSize, kProtRead).error() == ENOMEM);
  CHECK(mem.map_fixed(0x400000, 8 * kPageSize, kProtRead).ok());  // replaces 6, adds 2
  CHECK(mem.mapped_bytes() == 8 * kPageSize);
  CHECK(mem.peak_bytes() == 8 * kPageSize);
}

TEST_CASE("find_free searches top-down and skips mappings") {
  Engine e;
  AddressSpace mem(e.uc, nullptr, kTop);
  const uint64_t top = 0x10000000;
  auto a = mem.find_free(kPageSize, top);
  REQUIRE(a.ok());
  CHECK(a.value() == top - kPageSize);
  REQUIRE(mem.map_fixed(top - 2 * kPageSize, 2 * kPageSize, kProtRead).ok());
  auto b = mem.find_free(3 * kPageSize, top);
  REQUIRE(b.ok());
  CHECK(b.value() == top - 5 * kPageSize);
  CHECK_FALSE(mem.overlaps(b.value(), 3 * kPageSize));
}

TEST_CASE("strings are bounded and stop at faults") {
  Engine e;
  AddressSpace mem(e.uc, nullptr, kTop);
  const uint64_t base = 0x600000;
  REQUIRE(mem.map_fixed(base, kPageSize, kProtRead | kProtWrite).ok());
  std::vector<char> fill(kPageSize, 'a');
  REQUIRE(mem.copy_out({base}, fill.data(), fill.size()).ok());
  // No NUL before the unmapped page: EFAULT, not a read past the end.
  CHECK(mem.copy_in_string({base}, 1 << 20).error() == EFAULT);
  CHECK(mem.copy_in_string({base}, 100).error() == ENAMETOOLONG);
  char nul = 0;
  REQUIRE(mem.copy_out({base + 10}, &nul, 1).ok());
  CHECK(mem.copy_in_string({base}, 100).value() == std::string(10, 'a'));
}

TEST_CASE("guest areas are not Unicorn regions; their number is capped like vm.max_map_count") {
  Engine e;
  AddressSpace mem(e.uc, nullptr, kTop);
  const uint64_t base = 0x10000000;
  size_t i = 0;
  Result<void> r = Ok();
  // Alternating protections make every page its own area. Unicorn alone
  // aborts the host past ~4,090 regions.
  for (; i < kMaxVmas + 10; i++) {
    r = mem.map_fixed(base + i * kPageSize, kPageSize, (i & 1) ? kProtRead : kProtRead | kProtWrite);
    if (!r.ok()) break;
  }
  CHECK(r.error() == ENOMEM);
  CHECK(i > 65000);
  CHECK(i <= kMaxVmas);
  CHECK(mem.vmas().size() <= kMaxVmas);
  CHECK(mem.region_count() <= 2);  // one slab (a GiB) holds them all
  // The space still works after refusing, protections included.
  uint64_t x = 7;
  CHECK(mem.write({base}, x).ok());
  CHECK(mem.read<uint64_t>({base}).value() == 7);
  CHECK(mem.write({base + kPageSize}, x).error() == EFAULT);
  // Unmapping whole areas always works, and frees room again.
  REQUIRE(mem.unmap(base, 64 * kPageSize).ok());
  CHECK(mem.map_fixed(base, 64 * kPageSize, kProtRead | kProtWrite).ok());
}
