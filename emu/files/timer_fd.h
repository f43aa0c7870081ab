// timerfd (timerfd_create): a timer read as a file. Its state is kept as
// "the next expiry, on its clock" and brought up to date from the clock
// whenever it is looked at, so nothing has to fire it: a read, poll or
// epoll sees the expirations that have passed. The scheduler asks the
// run's TimerFds for the earliest armed expiry, to sleep until it (or,
// with virtual time, to jump there).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "rootfs/file.h"

namespace vmrun {

class TimerFd final : public fs::File {
 public:
  // Nanoseconds now on the timer's clock, and on CLOCK_MONOTONIC.
  using ClockNow = std::function<int64_t(int clockid)>;
  TimerFd(int clockid, ClockNow now) : clockid_(clockid), now_(std::move(now)) {}

  int clockid() const { return clockid_; }
  struct Setting {
    int64_t value_ns = 0;     // until the next expiry (0: disarmed)
    int64_t interval_ns = 0;  // between expiries (0: once)
  };
  // timerfd_settime: `value_ns` 0 disarms; `absolute`: a time on the
  // clock. Returns the setting it replaces (as timerfd_gettime would).
  Setting set(int64_t value_ns, int64_t interval_ns, bool absolute);
  Setting get();
  // The next expiry on CLOCK_MONOTONIC, or -1 when disarmed.
  int64_t next_expiry_monotonic();

  // 8 bytes: the expirations since the last read; EAGAIN while none
  // (the syscall layer waits for poll_ready), EINVAL for a smaller buffer.
  Result<size_t> read(void* buf, size_t n) override;
  Result<fs::Attr> stat() override;
  // (Linux wakes a timerfd's waiters once per firing and re-arms a
  // periodic timer only on read: an edge-triggered interest sees one
  // event until the expirations are read, which readiness alone shows.)
  uint32_t poll_ready() override { return catch_up() ? static_cast<uint32_t>(fs::kPollIn) : 0u; }

 private:
  // Counts the expiries that have passed; the expirations not yet read.
  uint64_t catch_up();

  const int clockid_;
  ClockNow now_;
  int64_t next_ = -1;  // the next expiry on clockid_, -1: disarmed
  int64_t interval_ = 0;
  uint64_t unread_ = 0;
};

// The run's timerfds, for the scheduler's sleep.
class TimerFds {
 public:
  void add(const std::shared_ptr<TimerFd>& t);
  // The earliest armed expiry on CLOCK_MONOTONIC, -1 if none.
  int64_t earliest();

 private:
  std::vector<std::weak_ptr<TimerFd>> timers_;
};

}  // namespace vmrun
