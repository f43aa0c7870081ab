#include "emu/kernel/posix_timers.h"

#include <climits>
#include <csignal>

#include "emu/kernel/kernel.h"

namespace vmrun {

Result<int> PosixTimers::add(PosixTimer t) {
  if (timers_.size() >= kMaxTimers) return Err{EAGAIN};
  // Ids go up and wrap at INT_MAX, skipping those in use (Linux's order).
  while (timers_.count(next_id_)) next_id_ = next_id_ == INT_MAX ? 0 : next_id_ + 1;
  int id = next_id_;
  next_id_ = next_id_ == INT_MAX ? 0 : next_id_ + 1;
  timers_.emplace(id, std::move(t));
  return id;
}

PosixTimer* PosixTimers::find(int id) {
  auto it = timers_.find(id);
  return it == timers_.end() ? nullptr : &it->second;
}

void PosixTimers::signal_taken(int code, int id, uint32_t overrun) {
  constexpr int kSiTimer = -2;
  if (code != kSiTimer) return;
  if (PosixTimer* t = find(id)) t->overrun = static_cast<int>(std::min<uint32_t>(overrun, INT_MAX));
}

bool PosixTimers::any_armed() const {
  for (auto& [id, t] : timers_)
    if (t.timer->armed()) return true;
  return false;
}

void Kernel::fire_posix_timers() {
  constexpr int kSiTimer = -2;
  for (auto& [pid, p] : procs_) {
    // A thread group's table once, through its leader, while it lives.
    if (p->pid() != p->ids.tgid || p->life->ended || !p->posix_timers) continue;
    for (auto& [id, t] : p->posix_timers->all()) {
      if (t.notify == PosixTimer::Notify::kNone) continue;
      uint64_t n = t.timer->take();
      if (n == 0) continue;
      bool to_thread = t.notify == PosixTimer::Notify::kThread;
      Process* target = to_thread ? find_process(t.tid) : p.get();
      if (!target || target->state == ProcState::Zombie) {
        target = p.get();
        to_thread = false;
      }
      // Its signal from the last expiry still pending: count overruns.
      SignalState& s = target->signals;
      uint64_t bit = 1ull << (t.signo - 1);
      bool pending_here = to_thread ? (s.pending & bit) != 0 : (s.shared->set & bit) != 0;
      SignalInfo& queued = to_thread ? s.info[t.signo] : s.shared->info[t.signo];
      if (pending_here && queued.code == kSiTimer && queued.pid == id) {
        uint64_t total = static_cast<uint64_t>(t.pending_overrun) + n;
        t.pending_overrun = static_cast<int>(std::min<uint64_t>(total, INT_MAX));
        queued.uid = static_cast<uint32_t>(t.pending_overrun);
        continue;
      }
      t.pending_overrun = static_cast<int>(std::min<uint64_t>(n - 1, INT_MAX));
      SignalInfo info;
      info.signo = t.signo;
      info.code = kSiTimer;
      info.pid = id;  // si_tid: the timer
      info.uid = static_cast<uint32_t>(t.pending_overrun);  // si_overrun
      info.value = t.value;
      post_signal(*target, t.signo, info, !to_thread);
    }
  }
}

}  // namespace vmrun
