// The syscall tables: every row is used, once, and says honestly how much
// of Linux it gives.
#include <catch2/catch.hpp>

#include "syscalls/handler_util.h"
#include "syscalls/syscall_table.h"

using namespace vmrun;

namespace {
SyscallResult nothing(SyscallContext&, const SyscallArgs&) { return 0; }
}  // namespace

TEST_CASE("every syscall row names a real syscall, once") {
  std::vector<std::string> problems = syscall_row_problems(all_syscall_families());
  for (auto& p : problems) INFO(p);
  CHECK(problems.empty());
}

TEST_CASE("the row check finds a misspelled and a duplicated row") {
  const SyscallDef good[] = {SYSCALL_DEF("read", nothing, Support::Full, "fpu", nullptr)};
  const SyscallDef bad[] = {SYSCALL_DEF("raed", nothing, Support::Full, "fpu", nullptr),
                            SYSCALL_DEF("read", nothing, Support::Full, "fpu", nullptr)};
  std::vector<std::string> problems =
      syscall_row_problems({std::span<const SyscallDef>(good), std::span<const SyscallDef>(bad)});
  REQUIRE(problems.size() == 2);
  CHECK(problems[0] == "raed: no such syscall on either architecture");
  CHECK(problems[1] == "read: defined twice");
}

TEST_CASE("rows that always fail or do nothing say so") {
  for (Arch arch : {Arch::X86_64, Arch::RiscV64}) {
    const SyscallTable& t = SyscallTable::for_arch(arch);
    for (auto& e : t.entries()) {
      if (!e.def) continue;
      std::string name = e.def->name;
      INFO(arch_name(arch) << " " << name);
      // AF_UNIX sockets made these real (they were refused while no
      // socket had an address).
      if (name == "connect" || name == "bind" || name == "listen" || name == "accept" || name == "accept4")
        CHECK(e.def->support != Support::Refused);
      if (name == "mlock" || name == "munlock") CHECK(e.def->support == Support::Stub);
      if (e.def->support != Support::Full) CHECK(e.def->note != nullptr);
    }
  }
}
