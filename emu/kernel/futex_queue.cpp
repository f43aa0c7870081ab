// The kernel's side of futex (syscalls/sys_futex.cpp does the waiting):
// waking and requeueing the tasks that wait on a futex word.
#include "emu/kernel/kernel.h"

namespace vmrun {

int Kernel::futex_wake(const ProcessImage* image, uint64_t addr, int count, uint32_t bitset) {
  int woken = 0;
  for (auto& [tid, t] : procs_) {
    if (woken >= count) break;
    if (t->call.futex.waiting && !t->call.futex.woken && t->call.futex.addr == addr && (t->call.futex.bitset & bitset)) {
      t->call.futex.woken = true;
      woken++;
    }
  }
  return woken;
}

int Kernel::futex_requeue(const ProcessImage* image, uint64_t from, uint64_t to, int wake, int move) {
  int woken = futex_wake(image, from, wake, ~0u), moved = 0;
  for (auto& [tid, t] : procs_) {
    if (moved >= move) break;
    if (t->call.futex.waiting && !t->call.futex.woken && t->call.futex.addr == from) {
      t->call.futex.addr = to;
      moved++;
    }
  }
  return woken + moved;
}

}  // namespace vmrun
