#include "emu/files/timer_fd.h"

#include <time.h>

#include <algorithm>
#include <cstring>

#include "emu/files/anon_inode.h"

namespace vmrun {

uint64_t TimerFd::catch_up() {
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

TimerFd::Setting TimerFd::get() {
  catch_up();
  Setting s;
  s.interval_ns = interval_;
  if (next_ >= 0) s.value_ns = std::max<int64_t>(1, next_ - now_(clockid_));
  return s;
}

TimerFd::Setting TimerFd::set(int64_t value_ns, int64_t interval_ns, bool absolute) {
  Setting old = get();
  unread_ = 0;  // a new setting forgets the expirations not read (Linux)
  interval_ = interval_ns;  // kept even when disarmed: timerfd_gettime reports it
  next_ = value_ns == 0 ? -1 : absolute ? value_ns : now_(clockid_) + value_ns;
  return old;
}

int64_t TimerFd::next_expiry_monotonic() {
  catch_up();
  if (next_ < 0) return -1;
  if (clockid_ == CLOCK_MONOTONIC) return next_;
  return now_(CLOCK_MONOTONIC) + std::max<int64_t>(0, next_ - now_(clockid_));
}

Result<size_t> TimerFd::read(void* buf, size_t n) {
  if (n < sizeof(uint64_t)) return Err{EINVAL};
  uint64_t count = catch_up();
  if (count == 0) return Err{EAGAIN};
  std::memcpy(buf, &count, sizeof count);
  unread_ = 0;
  return sizeof count;
}

Result<fs::Attr> TimerFd::stat() { return anon_inode_attr(); }

void TimerFds::add(const std::shared_ptr<TimerFd>& t) {
  std::erase_if(timers_, [](const std::weak_ptr<TimerFd>& w) { return w.expired(); });
  timers_.push_back(t);
}

int64_t TimerFds::earliest() {
  int64_t best = -1;
  for (auto& w : timers_) {
    auto t = w.lock();
    if (!t) continue;
    int64_t e = t->next_expiry_monotonic();
    if (e >= 0 && (best < 0 || e < best)) best = e;
  }
  return best;
}

}  // namespace vmrun
