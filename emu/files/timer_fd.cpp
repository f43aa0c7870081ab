#include "emu/files/timer_fd.h"

#include <algorithm>
#include <cstring>

#include "emu/files/anon_inode.h"

namespace vmrun {

Result<size_t> TimerFd::read(void* buf, size_t n) {
  if (n < sizeof(uint64_t)) return Err{EINVAL};
  uint64_t count = timer_.take();
  if (count == 0) return Err{EAGAIN};
  std::memcpy(buf, &count, sizeof count);
  return sizeof count;
}

Result<fs::Attr> TimerFd::stat() { return anon_inode_attr(); }

void TimerFds::add(const std::shared_ptr<ExpiryTimer>& t) {
  std::erase_if(timers_, [](const std::weak_ptr<ExpiryTimer>& w) { return w.expired(); });
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
