// timerfd_create, timerfd_settime, timerfd_gettime over emu/files/timer_fd.h.
// The clocks are the sandbox's (virtual ones in a deterministic run);
// the *_ALARM clocks need CAP_WAKE_ALARM, which a sandbox never has.
#include <fcntl.h>
#include <time.h>

#include <memory>

#include "emu/files/timer_fd.h"
#include "emu/kernel/process.h"
#include "syscalls/handler_util.h"
#include "syscalls/timer_calls.h"

namespace vmrun {

Result<int64_t> timespec_ns(int64_t sec, int64_t nsec) {
  if (sec < 0 || nsec < 0 || nsec >= 1000000000) return Err{EINVAL};
  if (sec > INT64_MAX / 1000000000 - 1) return int64_t{INT64_MAX / 2};  // far enough: never
  return sec * 1000000000 + nsec;
}

Result<ExpiryTimer::Setting> load_itimerspec(SyscallContext& k, uint64_t addr) {
  ItimerSpec in;
  TRY_VOID(k.mem().copy_in({addr}, &in, sizeof in));
  ExpiryTimer::Setting s;
  TRY_ASSIGN(s.interval_ns, timespec_ns(in.interval_sec, in.interval_nsec));
  TRY_ASSIGN(s.value_ns, timespec_ns(in.value_sec, in.value_nsec));
  return s;
}

Result<void> store_itimerspec(SyscallContext& k, uint64_t addr, const ExpiryTimer::Setting& s) {
  ItimerSpec out{s.interval_ns / 1000000000, s.interval_ns % 1000000000, s.value_ns / 1000000000,
                 s.value_ns % 1000000000};
  return k.mem().copy_out({addr}, &out, sizeof out);
}

ExpiryTimer::ClockNow timer_clocks(SyscallContext& k) {
  SyscallContext* clocks = &k;  // the kernel outlives every timer of the run
  return [clocks](int id) -> int64_t {
    if (id == CLOCK_REALTIME) {
      fs::Timespec t = clocks->realtime();
      return t.sec * 1000000000 + t.nsec;
    }
    return clocks->monotonic_ns();  // CLOCK_MONOTONIC and CLOCK_BOOTTIME (no suspend here)
  };
}

namespace {

constexpr int kTimerAbstime = 1, kTimerCancelOnSet = 2;

Result<std::shared_ptr<TimerFd>> timer_arg(SyscallContext& k, int fd) {
  TRY_ASSIGN(auto f, file_arg(k, fd));
  auto t = std::dynamic_pointer_cast<TimerFd>(f);
  if (!t) return Err{EINVAL};
  return t;
}

SyscallResult sys_timerfd_create(SyscallContext& k, const SyscallArgs& a) {
  int clockid = a.i32(0), flags = a.i32(1);
  if (flags & ~(O_CLOEXEC | O_NONBLOCK)) return Err{EINVAL};
  if (clockid == CLOCK_REALTIME_ALARM || clockid == CLOCK_BOOTTIME_ALARM) return Err{EPERM};
  if (clockid != CLOCK_REALTIME && clockid != CLOCK_MONOTONIC && clockid != CLOCK_BOOTTIME) return Err{EINVAL};
  auto t = std::make_shared<TimerFd>(clockid, timer_clocks(k));
  t->flags = O_RDWR | (flags & O_NONBLOCK);
  t->path = "anon_inode:[timerfd]";
  k.timer_fds().add(std::shared_ptr<ExpiryTimer>(t, &t->timer()));
  TRY_ASSIGN(int fd, k.proc().fds->install(t, flags & O_CLOEXEC));
  return static_cast<uint64_t>(fd);
}

SyscallResult sys_timerfd_settime(SyscallContext& k, const SyscallArgs& a) {
  int flags = a.i32(1);
  if (flags & ~(kTimerAbstime | kTimerCancelOnSet)) return Err{EINVAL};
  TRY_ASSIGN(auto t, timer_arg(k, a.fd(0)));
  TRY_ASSIGN(ExpiryTimer::Setting s, load_itimerspec(k, a[2]));
  TimerFd::Setting old = t->set(s.value_ns, s.interval_ns, flags & kTimerAbstime);
  if (a[3]) TRY_VOID(store_itimerspec(k, a[3], old));  // EFAULT after the change, as on Linux
  return 0;
}

SyscallResult sys_timerfd_gettime(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto t, timer_arg(k, a.fd(0)));
  TRY_VOID(store_itimerspec(k, a[1], t->get()));
  return 0;
}

constexpr SyscallDef kDefs[] = {
    SYSCALL_DEF("timerfd_create", sys_timerfd_create, Support::Partial, "dx",
                "CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME (the *_ALARM clocks: EPERM)"),
    SYSCALL_DEF("timerfd_settime", sys_timerfd_settime, Support::Partial, "fxpp",
                "TFD_TIMER_CANCEL_ON_SET accepted, never cancels (the sandbox's clock is never set)"),
    SYSCALL_DEF("timerfd_gettime", sys_timerfd_gettime, Support::Full, "fp", nullptr),
};

}  // namespace

std::span<const SyscallDef> timerfd_syscalls() { return kDefs; }

}  // namespace vmrun
