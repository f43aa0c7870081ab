// What the guest's /proc shows about the sandbox as a whole and its
// processes: the /proc/<pid> directories (fs::ProcessDirectory),
// /proc/stat and /proc/loadavg (/proc/cpuinfo is the GuestAbi's).
#pragma once

#include <string>
#include <vector>

#include "emu/arch/guest_cpu.h"
#include "emu/engine/instruction_meter.h"
#include "emu/kernel/clock.h"
#include "emu/kernel/process_table.h"
#include "emu/kernel/syscall_dispatcher.h"
#include "rootfs/vfs.h"

namespace vmrun {

class ProcInfo final : public fs::ProcessDirectory {
 public:
  ProcInfo(const ProcessTable& tasks, const Clock& clock, const InstructionMeter& meter,
           const SyscallDispatcher& dispatcher)
      : tasks_(tasks), clock_(clock), meter_(meter), dispatcher_(dispatcher) {}

  // fs::ProcessDirectory
  std::vector<int> process_ids() const override { return tasks_.group_ids(); }
  const fs::ProcessView* process_view(int pid) const override { return tasks_.find(pid); }
  int thread_count(int pid) const override { return tasks_.thread_count(pid); }

  std::string stat_text() const;
  std::string loadavg_text() const;

 private:
  const ProcessTable& tasks_;
  const Clock& clock_;
  const InstructionMeter& meter_;
  const SyscallDispatcher& dispatcher_;
};

}  // namespace vmrun
