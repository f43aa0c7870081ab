// POSIX per-process timers (timer_create(2)): a thread group's table of
// timers, each an ExpiryTimer (emu/files/expiry_timer.h, the arithmetic
// timerfds use) with what its expiry sends. The scheduler fires them
// between turns (Kernel::fire_posix_timers): a timer's signal is queued
// once; expirations while it is still pending are counted as overruns,
// which timer_getoverrun reports once that signal has been taken (handled
// or waited for), as Linux's it_overrun_last.
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "common/result.h"
#include "emu/files/expiry_timer.h"

namespace vmrun {

struct PosixTimer {
  enum class Notify { kSignal, kNone, kThread };  // SIGEV_SIGNAL (and SIGEV_THREAD), SIGEV_NONE, SIGEV_THREAD_ID
  std::shared_ptr<ExpiryTimer> timer;
  Notify notify = Notify::kSignal;
  int signo = 0;
  int tid = 0;         // kThread: the thread signalled
  uint64_t value = 0;  // sigev_value, the signal's si_value
  int pending_overrun = 0;  // the queued signal's extra expirations so far (its si_overrun)
  int overrun = 0;          // timer_getoverrun: those of the last signal taken
};

class PosixTimers {
 public:
  // Linux bounds a process's timers by RLIMIT_SIGPENDING; here a fixed cap.
  static constexpr size_t kMaxTimers = 4096;
  // A new timer's id (Linux hands them out in order); EAGAIN at the cap.
  Result<int> add(PosixTimer t);
  PosixTimer* find(int id);
  bool remove(int id) { return timers_.erase(id) != 0; }
  std::map<int, PosixTimer>& all() { return timers_; }
  bool any_armed() const;
  // A signal taken off a queue (delivered to a handler, or by sigtimedwait):
  // a timer's (SI_TIMER, si_tid its id) makes its si_overrun the timer's
  // timer_getoverrun answer.
  void signal_taken(int code, int id, uint32_t overrun);

 private:
  std::map<int, PosixTimer> timers_;
  int next_id_ = 0;
};

}  // namespace vmrun
