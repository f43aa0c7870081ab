#include "emu/files/expiry_timer.h"

#include <time.h>

#include <algorithm>

namespace vmrun {

uint64_t ExpiryTimer::catch_up() {
  if (next_ < 0) return unread_;
  int64_t now = now_(clockid_);
  if (now < next_) return unread_;
  uint64_t passed = 1;
  if (interval_ > 0) {
    passed += static_cast<uint64_t>((now - next_) / interval_);
    next_ += static_cast<int64_t>(passed) * interval_;
  } else {
    next_ = -1;
  }
  unread_ += passed;
  return unread_;
}

uint64_t ExpiryTimer::take() {
  uint64_t n = catch_up();
  unread_ = 0;
  return n;
}

ExpiryTimer::Setting ExpiryTimer::get() {
  catch_up();
  Setting s;
  s.interval_ns = interval_;
  if (next_ >= 0) s.value_ns = std::max<int64_t>(1, next_ - now_(clockid_));
  return s;
}

ExpiryTimer::Setting ExpiryTimer::set(int64_t value_ns, int64_t interval_ns, bool absolute) {
  Setting old = get();
  unread_ = 0;  // a new setting forgets the expirations not read (Linux)
  interval_ = interval_ns;  // kept even when disarmed: timerfd_gettime reports it
  next_ = value_ns == 0 ? -1 : absolute ? value_ns : now_(clockid_) + value_ns;
  return old;
}

int64_t ExpiryTimer::next_expiry_monotonic() {
  catch_up();
  if (next_ < 0) return -1;
  if (clockid_ == CLOCK_MONOTONIC) return next_;
  return now_(CLOCK_MONOTONIC) + std::max<int64_t>(0, next_ - now_(clockid_));
}

}  // namespace vmrun
