// timerfd (timerfd_create): a timer read as a file, over the arithmetic of
// emu/files/expiry_timer.h: a read, poll or epoll sees the expirations
// that have passed. The scheduler asks the run's TimerFds for the earliest
// armed expiry, to sleep until it (or, with virtual time, to jump there).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "emu/files/expiry_timer.h"
#include "rootfs/file.h"

namespace vmrun {

class TimerFd final : public fs::File {
 public:
  using ClockNow = ExpiryTimer::ClockNow;
  using Setting = ExpiryTimer::Setting;
  TimerFd(int clockid, ClockNow now) : timer_(clockid, std::move(now)) {}

  int clockid() const { return timer_.clockid(); }
  // timerfd_settime, timerfd_gettime (ExpiryTimer::set and get).
  Setting set(int64_t value_ns, int64_t interval_ns, bool absolute) { return timer_.set(value_ns, interval_ns, absolute); }
  Setting get() { return timer_.get(); }
  ExpiryTimer& timer() { return timer_; }

  // 8 bytes: the expirations since the last read; EAGAIN while none
  // (the syscall layer waits for poll_ready), EINVAL for a smaller buffer.
  Result<size_t> read(void* buf, size_t n) override;
  Result<fs::Attr> stat() override;
  // (Linux wakes a timerfd's waiters once per firing and re-arms a
  // periodic timer only on read: an edge-triggered interest sees one
  // event until the expirations are read, which readiness alone shows.)
  uint32_t poll_ready() override { return timer_.catch_up() ? uint32_t{fs::kPollIn} : 0; }

 private:
  ExpiryTimer timer_;
};

// The run's timers whose expiry can wake a waiting guest: timerfds and
// the POSIX timers that send signals, held weakly, for the scheduler's sleep.
class TimerFds {
 public:
  void add(const std::shared_ptr<ExpiryTimer>& t);
  // The earliest armed expiry on CLOCK_MONOTONIC, -1 if none.
  int64_t earliest();

 private:
  std::vector<std::weak_ptr<ExpiryTimer>> timers_;
};

}  // namespace vmrun
