// timer_create, timer_settime, timer_gettime, timer_getoverrun,
// timer_delete: POSIX per-process timers (emu/kernel/posix_timers.h) on the
// sandbox's clocks, with the arithmetic and itimerspec handling timerfds use
// (syscalls/timer_calls.h).
#include <time.h>

#include <csignal>
#include <optional>

#include "emu/files/timer_fd.h"
#include "emu/kernel/process.h"
#include "syscalls/handler_util.h"
#include "syscalls/timer_calls.h"

namespace vmrun {
namespace {

constexpr int kSigevSignal = 0, kSigevNone = 1, kSigevThread = 2, kSigevThreadId = 4;
constexpr int kTimerAbstime = 1;

// The guest's struct sigevent (64 bytes; the same on both guests).
struct Sigevent {
  uint64_t value;  // sigev_value
  int32_t signo;
  int32_t notify;
  int32_t tid;  // sigev_notify_thread_id (SIGEV_THREAD_ID)
  uint8_t rest[44];
};
static_assert(sizeof(Sigevent) == 64);

Result<PosixTimer*> timer_arg(SyscallContext& k, int id) {
  PosixTimer* t = k.proc().posix_timers ? k.proc().posix_timers->find(id) : nullptr;
  if (!t) return Err{EINVAL};
  return t;
}

// The clock a timer counts on: the sandbox's wall clocks, or the CPU time
// of the caller's process or thread, or of another process or thread of
// the run (clock_getcpuclockid's encoding: (~pid << 3) | 4 for a thread |
// 0 PROF, 1 VIRT, 2 SCHED). CPU time moves only while the guest runs, so
// such a timer never wakes an idle run (`*cpu`): it fires between turns.
Result<ExpiryTimer::ClockNow> timer_clock(SyscallContext& k, int clockid, bool* cpu) {
  *cpu = false;
  if (clockid == CLOCK_REALTIME || clockid == CLOCK_MONOTONIC || clockid == CLOCK_BOOTTIME) return timer_clocks(k);
  if (clockid == CLOCK_REALTIME_ALARM || clockid == CLOCK_BOOTTIME_ALARM) return Err{EPERM};
  int pid;
  bool thread;
  if (clockid == CLOCK_PROCESS_CPUTIME_ID || clockid == CLOCK_THREAD_CPUTIME_ID) {
    thread = clockid == CLOCK_THREAD_CPUTIME_ID;
    pid = thread ? k.proc().pid() : k.proc().ids.tgid;
  } else if (clockid < 0 && (clockid & 7) != 3 && (clockid & 7) != 7) {
    pid = ~(clockid >> 3);
    thread = (clockid & 4) != 0;
    if (pid == 0) pid = thread ? k.proc().pid() : k.proc().ids.tgid;
    const Process* p = k.find_process(pid);
    if (!p || (!thread && p->ids.tgid != pid)) return Err{EINVAL};
  } else {
    return Err{EINVAL};
  }
  *cpu = true;
  SyscallContext* clocks = &k;  // the kernel outlives every timer of the run
  return ExpiryTimer::ClockNow([clocks, pid, thread](int) -> int64_t {
    const Process* p = clocks->find_process(pid);
    if (!p) return 0;  // gone: its CPU time no longer moves
    return static_cast<int64_t>(thread ? clocks->cpu_ns(*p) : clocks->group_cpu_ns(*p));
  });
}

// timer_create(clockid, sevp, timerid): Linux's checks of the sigevent
// (good_sigevent): a signal number in 1..64 unless SIGEV_NONE, a
// SIGEV_THREAD_ID thread of the caller's own group. SIGEV_THREAD is the C
// library's; the kernel takes it as SIGEV_SIGNAL, so do we. No sigevent:
// SIGALRM with the timer's id as its value.
SyscallResult sys_timer_create(SyscallContext& k, const SyscallArgs& a) {
  int clockid = a.i32(0);
  std::optional<Sigevent> ev;
  if (a[1]) {
    Sigevent e;
    TRY_VOID(k.mem().copy_in(a.addr(1), &e, sizeof e));
    ev = e;
  }
  bool cpu_clock = false;
  TRY_ASSIGN(ExpiryTimer::ClockNow now, timer_clock(k, clockid, &cpu_clock));
  Process& self = k.proc();
  PosixTimer t;
  t.timer = std::make_shared<ExpiryTimer>(clockid, std::move(now));
  t.signo = SIGALRM;
  if (ev) {
    bool good_signal = ev->signo > 0 && ev->signo <= SignalState::kNsig;
    switch (ev->notify) {
      case kSigevNone: t.notify = PosixTimer::Notify::kNone; break;
      case kSigevSignal:
      case kSigevThread:
        if (!good_signal) return Err{EINVAL};
        t.notify = PosixTimer::Notify::kSignal;
        break;
      case kSigevThreadId: {
        Process* target = ev->tid > 0 ? k.find_process(ev->tid) : nullptr;
        if (!target || target->ids.tgid != self.ids.tgid || target->state == ProcState::Zombie) return Err{EINVAL};
        if (!good_signal) return Err{EINVAL};
        t.notify = PosixTimer::Notify::kThread;
        t.tid = ev->tid;
        break;
      }
      default: return Err{EINVAL};
    }
    t.signo = ev->signo;
    t.value = ev->value;
  }
  if (!self.posix_timers) self.posix_timers = std::make_shared<PosixTimers>();
  std::shared_ptr<ExpiryTimer> timer = t.timer;
  bool signals = t.notify != PosixTimer::Notify::kNone;
  TRY_ASSIGN(int id, self.posix_timers->add(std::move(t)));
  if (!ev) self.posix_timers->find(id)->value = static_cast<uint64_t>(id);
  int32_t out = id;
  if (auto r = k.mem().copy_out(a.addr(2), &out, sizeof out); !r.ok()) {
    self.posix_timers->remove(id);
    return Err{r.error()};
  }
  if (signals && !cpu_clock) k.timer_fds().add(timer);  // its expiry may wake a sleeping guest
  return 0;
}

SyscallResult sys_timer_settime(SyscallContext& k, const SyscallArgs& a) {
  if (!a[2]) return Err{EINVAL};
  TRY_ASSIGN(ExpiryTimer::Setting s, load_itimerspec(k, a[2]));
  TRY_ASSIGN(PosixTimer* t, timer_arg(k, a.i32(0)));
  ExpiryTimer::Setting old = t->timer->set(s.value_ns, s.interval_ns, a.i32(1) & kTimerAbstime);
  t->overrun = 0;  // Linux starts the overrun accounting again
  if (a[3]) TRY_VOID(store_itimerspec(k, a[3], old));  // EFAULT after the change, as on Linux
  return 0;
}

SyscallResult sys_timer_gettime(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(PosixTimer* t, timer_arg(k, a.i32(0)));
  TRY_VOID(store_itimerspec(k, a[1], t->timer->get()));
  return 0;
}

SyscallResult sys_timer_getoverrun(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(PosixTimer* t, timer_arg(k, a.i32(0)));
  return static_cast<uint64_t>(t->overrun);
}

SyscallResult sys_timer_delete(SyscallContext& k, const SyscallArgs& a) {
  if (!k.proc().posix_timers || !k.proc().posix_timers->remove(a.i32(0))) return Err{EINVAL};
  return 0;
}

constexpr SyscallDef kDefs[] = {
    SYSCALL_DEF("timer_create", sys_timer_create, Support::Partial, "kpp",
                "CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, the CPU-time clocks (of the caller, or of a process "
                "or thread of the run; they fire between turns, so up to a turn late), *_ALARM EPERM; "
                "SIGEV_SIGNAL, SIGEV_THREAD_ID, SIGEV_NONE; at most 4096 timers per process (EAGAIN); a timer's "
                "signal is queued once and later expirations while it is pending count as overruns"),
    SYSCALL_DEF("timer_settime", sys_timer_settime, Support::Full, "dxpp", nullptr),
    SYSCALL_DEF("timer_gettime", sys_timer_gettime, Support::Full, "dp", nullptr),
    SYSCALL_DEF("timer_getoverrun", sys_timer_getoverrun, Support::Full, "d", nullptr),
    SYSCALL_DEF("timer_delete", sys_timer_delete, Support::Full, "d", nullptr),
};

}  // namespace

std::span<const SyscallDef> posix_timer_syscalls() { return kDefs; }

}  // namespace vmrun
