// Clocks and sleeping. In deterministic mode every clock is virtual: it
// advances with the instruction count and with sleeps, never with the host.
#include <sys/time.h>
#include <time.h>

#include "syscalls/handler_util.h"

namespace vmrun {
namespace {

fs::Timespec ns_time(uint64_t ns) {
  return fs::Timespec{static_cast<int64_t>(ns / 1000000000), static_cast<int64_t>(ns % 1000000000)};
}

Result<fs::Timespec> read_clock(SyscallContext& k, int clock) {
  switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_TAI: return k.realtime();
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME: return k.monotonic();
    // CPU time: one nanosecond per guest instruction.
    case CLOCK_PROCESS_CPUTIME_ID: return ns_time(k.group_cpu_ns(k.proc()));
    case CLOCK_THREAD_CPUTIME_ID: return ns_time(k.cpu_ns(k.proc()));
    default: break;
  }
  // The CPU clocks of another process or thread, as clock_getcpuclockid
  // and pthread_getcpuclockid encode them: (~pid << 3) | (4 for a thread)
  // | clock (0 PROF, 1 VIRT, 2 SCHED; 3 is invalid).
  if (clock < 0 && (clock & 7) != 3 && (clock & 7) != 7) {
    int pid = ~(clock >> 3);
    bool thread = clock & 4;
    const Process* p = pid == 0 ? &k.proc() : k.find_process(pid);
    if (p && thread) return ns_time(k.cpu_ns(*p));
    if (p && (pid == 0 || p->ids.tgid == pid)) return ns_time(k.group_cpu_ns(*p));
  }
  return Err{EINVAL};
}

SyscallResult sys_clock_gettime(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(fs::Timespec t, read_clock(k, a.i32(0)));
  int64_t out[2] = {t.sec, t.nsec};
  TRY_VOID(k.mem().copy_out(a.addr(1), out, sizeof out));
  return 0;
}

SyscallResult sys_clock_getres(SyscallContext& k, const SyscallArgs& a) {
  TRY_VOID(read_clock(k, a.i32(0)));
  if (a[1]) {
    int64_t out[2] = {0, 1};
    TRY_VOID(k.mem().copy_out(a.addr(1), out, sizeof out));
  }
  return 0;
}

SyscallResult sys_gettimeofday(SyscallContext& k, const SyscallArgs& a) {
  fs::Timespec t = k.realtime();
  if (a[0]) {
    int64_t tv[2] = {t.sec, t.nsec / 1000};
    TRY_VOID(k.mem().copy_out(a.addr(0), tv, sizeof tv));
  }
  if (a[1]) {
    int32_t tz[2] = {0, 0};
    TRY_VOID(k.mem().copy_out(a.addr(1), tz, sizeof tz));
  }
  return 0;
}

// Setting the clocks needs CAP_SYS_TIME, which the sandbox never has (as in
// a container): checked arguments first, as Linux does.
SyscallResult sys_clock_settime(SyscallContext& k, const SyscallArgs& a) {
  TRY_VOID(read_clock(k, a.i32(0)));
  int64_t t[2];
  TRY_VOID(k.mem().copy_in(a.addr(1), t, sizeof t));
  if (t[1] < 0 || t[1] > 999999999 || t[0] < 0) return Err{EINVAL};
  return Err{EPERM};
}
SyscallResult sys_settimeofday(SyscallContext& k, const SyscallArgs& a) {
  if (a[0]) {
    int64_t tv[2];
    TRY_VOID(k.mem().copy_in(a.addr(0), tv, sizeof tv));
    if (tv[1] < 0 || tv[1] > 999999 || tv[0] < 0) return Err{EINVAL};
  }
  return Err{EPERM};
}

SyscallResult sys_time(SyscallContext& k, const SyscallArgs& a) {
  int64_t now = k.realtime().sec;
  if (a[0]) TRY_VOID(k.mem().store(a.ptr<int64_t>(0), now));
  return static_cast<uint64_t>(now);
}

SyscallResult do_sleep(SyscallContext& k, int clock, bool absolute, uint64_t req_addr, uint64_t rem_addr) {
  int64_t req[2];
  TRY_VOID(k.mem().copy_in({req_addr}, req, sizeof req));
  if (req[0] < 0 || req[1] < 0 || req[1] > 999999999) return Err{EINVAL};
  int64_t ns;
  if (req[0] > INT64_MAX / 1000000000 - 1) ns = INT64_MAX;
  else ns = req[0] * 1000000000 + req[1];
  if (absolute) {
    TRY_ASSIGN(fs::Timespec now, read_clock(k, clock));
    int64_t now_ns = now.sec * 1000000000 + now.nsec;
    ns = ns > now_ns ? ns - now_ns : 0;
  }
  // The process sleeps (others run); the deadline survives re-runs.
  Process& p = k.proc();
  int64_t now = k.monotonic_ns();
  if (!k.restarted() || p.call.deadline_ns < 0)
    p.call.deadline_ns = ns > INT64_MAX - now ? INT64_MAX : now + ns;
  if (now < p.call.deadline_ns) {
    Wait w;
    w.deadline_ns = p.call.deadline_ns;
    return k.block(std::move(w));
  }
  p.call.deadline_ns = -1;
  (void)rem_addr;  // nothing remains after a full sleep; EINTR paths leave it untouched
  return 0;
}

SyscallResult sys_nanosleep(SyscallContext& k, const SyscallArgs& a) {
  return do_sleep(k, CLOCK_MONOTONIC, false, a[0], a[1]);
}

SyscallResult sys_clock_nanosleep(SyscallContext& k, const SyscallArgs& a) {
  int clock = a.i32(0);
  if (clock == CLOCK_THREAD_CPUTIME_ID || (clock < 0 && (clock & 4))) return Err{EINVAL};
  TRY_VOID(read_clock(k, clock));
  SyscallResult r = do_sleep(k, clock, a.i32(1) & TIMER_ABSTIME, a[2], a[3]);
  // clock_nanosleep returns the error number itself, not -1/errno; the
  // dispatcher negates, so this is still right for the raw syscall.
  return r;
}

// Interval timers: ITIMER_REAL (SIGALRM) counts wall-clock time (virtual
// in deterministic mode); ITIMER_VIRTUAL (SIGVTALRM) and ITIMER_PROF
// (SIGPROF) count the thread group's CPU time, one nanosecond per guest
// instruction, and fire at the end of the turn that passes them.
struct Itimer {
  int64_t* deadline;
  int64_t* interval;
  int64_t now;  // on the timer's own clock
};

Result<Itimer> itimer_of(SyscallContext& k, int which) {
  Process& p = k.proc();
  Process::GroupTimes& g = *p.group_times;
  int64_t cpu = static_cast<int64_t>(k.group_cpu_ns(p));
  switch (which) {
    case ITIMER_REAL: return Itimer{&p.alarm.deadline_ns, &p.alarm.interval_ns, k.monotonic_ns()};
    case ITIMER_VIRTUAL: return Itimer{&g.virt_deadline, &g.virt_interval, cpu};
    case ITIMER_PROF: return Itimer{&g.prof_deadline, &g.prof_interval, cpu};
    default: return Err{EINVAL};
  }
}

Result<uint64_t> put_itimer(SyscallContext& k, uint64_t addr, const Itimer& t) {
  if (!addr) return 0;
  int64_t left = *t.deadline < 0 ? 0 : std::max<int64_t>(1000, *t.deadline - t.now);
  int64_t v[4] = {*t.interval / 1000000000, (*t.interval % 1000000000) / 1000,
                  *t.deadline < 0 ? 0 : left / 1000000000, *t.deadline < 0 ? 0 : (left % 1000000000) / 1000};
  TRY_VOID(k.mem().copy_out({addr}, v, sizeof v));
  return 0;
}

SyscallResult sys_getitimer(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(Itimer t, itimer_of(k, a.i32(0)));
  return put_itimer(k, a[1], t);
}

SyscallResult sys_setitimer(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(Itimer t, itimer_of(k, a.i32(0)));
  int64_t v[4] = {0, 0, 0, 0};
  if (a[1]) TRY_VOID(k.mem().copy_in(a.addr(1), v, sizeof v));
  for (int i = 0; i < 4; i += 2)
    if (v[i] < 0 || v[i + 1] < 0 || v[i + 1] > 999999) return Err{EINVAL};
  TRY_VOID(put_itimer(k, a[2], t));
  // Seconds beyond what nanoseconds can hold saturate (never fire).
  auto ns = [](int64_t sec, int64_t usec) {
    return sec > INT64_MAX / 1000000000 - 1 ? INT64_MAX : sec * 1000000000 + usec * 1000;
  };
  int64_t value = ns(v[2], v[3]), interval = ns(v[0], v[1]);
  *t.deadline = value > 0 ? (value > INT64_MAX - t.now ? INT64_MAX : t.now + value) : -1;
  *t.interval = interval;
  return 0;
}

SyscallResult sys_alarm(SyscallContext& k, const SyscallArgs& a) {
  Process& p = k.proc();
  int64_t now = k.monotonic_ns();
  uint64_t left = p.alarm.deadline_ns < 0 ? 0 : static_cast<uint64_t>((p.alarm.deadline_ns - now + 999999999) / 1000000000);
  uint32_t secs = static_cast<uint32_t>(a[0]);
  p.alarm.deadline_ns = secs ? now + int64_t(secs) * 1000000000 : -1;
  p.alarm.interval_ns = 0;
  return left;
}

// An interrupted relative sleep writes the time it had left to `rem`.
void nanosleep_interrupted(AddressSpace& mem, const uint64_t args[6], int64_t left_ns) {
  write_time_left(mem, args[1], left_ns);
}
void clock_nanosleep_interrupted(AddressSpace& mem, const uint64_t args[6], int64_t left_ns) {
  if (!(args[1] & TIMER_ABSTIME)) write_time_left(mem, args[3], left_ns);
}

const SyscallDef kDefs[] = {
    SYSCALL_DEF("alarm", sys_alarm, Support::Full, "u", nullptr),
    SYSCALL_DEF("setitimer", sys_setitimer, Support::Partial, "dpp", "VIRTUAL/PROF count the group's guest instructions (1 ns each), fire at the end of a turn"),
    SYSCALL_DEF("getitimer", sys_getitimer, Support::Full, "dp", nullptr),
    SYSCALL_DEF("clock_gettime", sys_clock_gettime, Support::Full, "kp", nullptr),
    SYSCALL_DEF("clock_getres", sys_clock_getres, Support::Full, "kp", nullptr),
    SYSCALL_DEF("clock_settime", sys_clock_settime, Support::Full, "kp", "EPERM: no CAP_SYS_TIME"),
    SYSCALL_DEF("settimeofday", sys_settimeofday, Support::Full, "pp", "EPERM: no CAP_SYS_TIME"),
    SYSCALL_DEF("gettimeofday", sys_gettimeofday, Support::Full, "pp", nullptr),
    SYSCALL_DEF("time", sys_time, Support::Full, "p", nullptr),
    SyscallDef{"nanosleep", sys_nanosleep, Support::Full, "pp", nullptr, Restart::Never, nanosleep_interrupted},
    SyscallDef{"clock_nanosleep", sys_clock_nanosleep, Support::Full, "ktpp", nullptr, Restart::Never,
               clock_nanosleep_interrupted},
};

}  // namespace

std::span<const SyscallDef> time_syscalls() { return kDefs; }

}  // namespace vmrun
