// The arithmetic of a Linux interval timer on a clock, shared by timerfds
// (emu/files/timer_fd.h) and POSIX per-process timers
// (emu/kernel/posix_timers.h): the state is "the next expiry, on its clock"
// and is brought up to date from the clock whenever it is looked at, so
// nothing has to fire it; the expirations that have passed are counted.
#pragma once

#include <cstdint>
#include <functional>

namespace vmrun {

class ExpiryTimer {
 public:
  // Nanoseconds now on the timer's clock, and on CLOCK_MONOTONIC.
  using ClockNow = std::function<int64_t(int clockid)>;
  ExpiryTimer(int clockid, ClockNow now) : clockid_(clockid), now_(std::move(now)) {}

  int clockid() const { return clockid_; }
  struct Setting {
    int64_t value_ns = 0;     // until the next expiry (0: disarmed)
    int64_t interval_ns = 0;  // between expiries (0: once)
  };
  // `value_ns` 0 disarms; `absolute`: a time on the clock. Forgets the
  // expirations not yet taken. Returns the setting it replaces (as get()).
  Setting set(int64_t value_ns, int64_t interval_ns, bool absolute);
  Setting get();
  bool armed() const { return next_ >= 0; }
  // The next expiry on CLOCK_MONOTONIC, or -1 when disarmed.
  int64_t next_expiry_monotonic();
  // The expirations that have passed and were not taken yet.
  uint64_t catch_up();
  // catch_up(), and they are taken.
  uint64_t take();

 private:
  const int clockid_;
  ClockNow now_;
  int64_t next_ = -1;  // the next expiry on clockid_, -1: disarmed
  int64_t interval_ = 0;
  uint64_t unread_ = 0;
};

}  // namespace vmrun
