#include "emu/kernel/proc_info.h"

#include <algorithm>

namespace vmrun {

std::string ProcInfo::stat_text() const {
  // Times in USER_HZ (100 per second). Guest CPU time is its instruction
  // count at one ns each; the rest of the sandbox's life is idle.
  double up = clock_.uptime_seconds();
  uint64_t user = meter_.cpu_ns_total() / 10000000;
  uint64_t total = static_cast<uint64_t>(std::max(0.0, up) * 100);
  uint64_t idle = total > user ? total - user : 0;
  int running = 0, blocked = 0;
  for (auto& [pid, p] : tasks_) {
    if (p->state == ProcState::Runnable) running++;
    if (p->state == ProcState::Blocked) blocked++;
  }
  std::string cpu = std::to_string(user) + " 0 0 " + std::to_string(idle) + " 0 0 0 0 0 0\n";
  fs::Timespec now = clock_.realtime();
  std::string s = "cpu  " + cpu + "cpu0 " + cpu;
  s += "intr 0\nctxt " + std::to_string(dispatcher_.count()) + "\nbtime " +
       std::to_string(now.sec - static_cast<int64_t>(up)) + "\nprocesses " + std::to_string(tasks_.created()) +
       "\nprocs_running " + std::to_string(std::max(running, 1)) + "\nprocs_blocked " + std::to_string(blocked) +
       "\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n";
  return s;
}

std::string ProcInfo::loadavg_text() const {
  int running = 0, total = 0;
  for (auto& [pid, p] : tasks_) {
    if (p->state == ProcState::Zombie) continue;
    total++;
    if (p->state == ProcState::Runnable) running++;
  }
  return "0.00 0.00 0.00 " + std::to_string(std::max(running, 1)) + "/" + std::to_string(total) + " " +
         std::to_string(tasks_.created()) + "\n";
}

}  // namespace vmrun
