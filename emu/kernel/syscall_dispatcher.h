// From a trapped syscall to its handler: the table lookup, ENOSYS for a
// number without a handler (each named once in the report and the log),
// the count, blocking, and the strace line.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "emu/arch/guest_cpu.h"
#include "emu/kernel/syscall_abi.h"

namespace vmrun {

class SyscallContext;

class SyscallDispatcher {
 public:
  // `unimplemented`: the report's count of calls without a handler.
  SyscallDispatcher(SyscallContext& context, const SyscallLayer& layer, bool strace,
                    std::map<std::string, uint64_t>* unimplemented)
      : context_(context), layer_(layer), strace_(strace), unimplemented_(unimplemented) {}

  // The table of the run's architecture (known once the first program is
  // loaded).
  void select(Arch arch) { table_ = &layer_.table(arch); }
  bool selected() const { return table_ != nullptr; }
  const SyscallTable& table() const { return *table_; }

  // What a dispatch came to: a result for the guest's result register, or
  // the caller parked until its wait is ready (the handler returned
  // Blocked; the wait is now the task's), to be dispatched again then with
  // restarted = true.
  struct Outcome {
    bool blocked = false;
    uint64_t value = 0;
  };
  Outcome dispatch(const SyscallRegs& regs, bool restarted);
  // During a dispatch: the call is a re-run after a wake-up.
  bool restarted() const { return restarted_; }
  // Syscalls made (a re-run after a wake-up is the same call).
  uint64_t count() const { return count_; }

 private:
  void log(const SyscallTable::Entry* e, const SyscallRegs& regs, uint64_t ret);

  SyscallContext& context_;
  const SyscallLayer layer_;
  const bool strace_;
  std::map<std::string, uint64_t>* unimplemented_;
  const SyscallTable* table_ = nullptr;
  bool restarted_ = false;
  uint64_t count_ = 0;
};

}  // namespace vmrun
