// What timerfds and POSIX timers share in the syscall layer (defined in
// syscalls/sys_timerfd.cpp): the guest's struct itimerspec and the clocks.
#pragma once

#include <cstdint>

#include "emu/files/expiry_timer.h"
#include "syscalls/handler_util.h"

namespace vmrun {

// A struct itimerspec (the same on both 64-bit guests).
struct ItimerSpec {
  int64_t interval_sec, interval_nsec, value_sec, value_nsec;
};
// A time of an itimerspec in nanoseconds: EINVAL when negative or with
// nsec past a second; a time too far to reach is "never".
Result<int64_t> timespec_ns(int64_t sec, int64_t nsec);
// The guest's new setting at `addr` (EFAULT, EINVAL), as value and interval.
Result<ExpiryTimer::Setting> load_itimerspec(SyscallContext& k, uint64_t addr);
// Store a setting as a struct itimerspec at `addr`.
Result<void> store_itimerspec(SyscallContext& k, uint64_t addr, const ExpiryTimer::Setting& s);
// The sandbox's clocks (virtual ones in a deterministic run) for a timer:
// CLOCK_REALTIME, and CLOCK_MONOTONIC for CLOCK_MONOTONIC and
// CLOCK_BOOTTIME (nothing suspends here). The kernel outlives every timer.
ExpiryTimer::ClockNow timer_clocks(SyscallContext& k);

}  // namespace vmrun
