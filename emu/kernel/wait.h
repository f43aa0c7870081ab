// What a task blocked in a syscall (or a vfork parent) waits for: a
// condition the scheduler re-checks, and what may make it true (a host fd
// turning readable, a deadline passing).
#pragma once

#include <cstdint>
#include <functional>

namespace vmrun {

// What a process blocked in a syscall waits for.
struct Wait {
  std::function<bool()> ready;  // re-checked by the scheduler
  std::function<void()> on_wake;  // for waits outside a syscall (a vfork parent)
  int host_fd = -1;             // a host fd whose readability may make it ready
  int64_t deadline_ns = -1;     // monotonic (virtual in deterministic mode)
};

inline Wait wait_until(std::function<bool()> ready, int host_fd = -1) {
  Wait w;
  w.ready = std::move(ready);
  w.host_fd = host_fd;
  return w;
}

}  // namespace vmrun
