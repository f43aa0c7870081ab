#include "emu/kernel/run_control.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <thread>

#include "emu/kernel/clock.h"
#include "vmrun/sandbox.h"

namespace vmrun {

// The public Limits' rules for time (include/vmrun/sandbox.h), kept with
// the code that enforces them.
double Limits::effective_timeout() const {
  if (!(timeout_seconds > 0) || timeout_seconds > kMaxTimeoutSeconds) return 0;  // also +inf
  return timeout_seconds;
}

std::string Limits::invalid_reason() const {
  if (std::isnan(timeout_seconds) || timeout_seconds < 0)
    return "the time limit must be a number of seconds >= 0 (0 or infinity: none)";
  if (std::isnan(kill_after_seconds) || kill_after_seconds < 0 || kill_after_seconds > kMaxTimeoutSeconds)
    return "the kill-after grace must be a number of seconds >= 0";
  if (max_open_files < 3) return "the open-file limit must be at least 3";
  if (max_processes < 1) return "the process limit must be at least 1";
  return "";
}

bool RunControl::begin_grace() {
  if (cancel_signal() || grace_ <= 0 || term_sent_.load()) return false;
  // timeout(1) -k: the guest gets SIGTERM and a grace period to end.
  timed_out_ = true;
  stop_now_ = false;
  term_sent_ = true;
  return true;
}

namespace {

// The run watched by the timer signal, if any (one at a time per process:
// a template's spawn is a process of its own).
std::atomic<RunControl*> g_signal_watched{nullptr};

void watch_signal_handler(int) {
  int saved = errno;
  if (RunControl* rc = g_signal_watched.load(std::memory_order_acquire)) rc->on_watch_signal();
  errno = saved;
}

}  // namespace

// The watchdog thread's phases, one step per timer signal. Everything here
// is async-signal-safe: clock_gettime, atomics, and the tick.
void RunControl::on_watch_signal() {
  if (signal_phase_ == WatchPhase::ToTerm) {
    if (term_sent_.load()) {
      signal_phase_ = WatchPhase::Grace;
      signal_until_ = Clock::host_seconds() + grace_;
    }
  } else if (signal_phase_ != WatchPhase::TicksOnly && Clock::host_seconds() >= signal_until_) {
    stop_now_ = true;
    signal_phase_ = signal_phase_ == WatchPhase::Grace || grace_ <= 0 ? WatchPhase::TicksOnly : WatchPhase::ToTerm;
  }
  if (signal_tick_ && *signal_tick_) (*signal_tick_)();  // also ends the running turn once the flag is up
}

bool RunControl::run_signal_watched(const std::function<void()>& loop, std::string* error,
                                    const std::function<void()>& tick, int tick_ms) {
  const int sig = SIGRTMIN + 2;  // glibc keeps the first two for itself; vmrun uses no other
  struct sigaction sa {};
  sa.sa_handler = watch_signal_handler;
  sa.sa_flags = SA_RESTART;  // host I/O in the run goes on; poll and sleeps return early, harmlessly
  sigemptyset(&sa.sa_mask);
  sigset_t unblock;
  sigemptyset(&unblock);
  sigaddset(&unblock, sig);
  sigevent ev{};
  ev.sigev_notify = SIGEV_THREAD_ID;
  ev.sigev_signo = sig;
#ifdef sigev_notify_thread_id
  ev.sigev_notify_thread_id = gettid();
#else
  ev._sigev_un._tid = gettid();  // glibc before 2.35 names no field for it
#endif
  timer_t timer{};
  if (sigaction(sig, &sa, nullptr) != 0 || pthread_sigmask(SIG_UNBLOCK, &unblock, nullptr) != 0 ||
      timer_create(CLOCK_MONOTONIC, &ev, &timer) != 0) {
    *error = std::string("watchdog timer: ") + std::strerror(errno);
    return false;
  }
  signal_tick_ = &tick;
  signal_phase_ = deadline_ ? WatchPhase::ToDeadline : WatchPhase::TicksOnly;
  signal_until_ = deadline_;
  g_signal_watched.store(this, std::memory_order_release);
  const long period_ms = std::max(1, tick ? tick_ms : kSignalPollMs);
  const timespec period{period_ms / 1000, (period_ms % 1000) * 1000000L};
  itimerspec every{period, period};
  if (timer_settime(timer, 0, &every, nullptr) != 0) {
    *error = std::string("watchdog timer: ") + std::strerror(errno);
    g_signal_watched.store(nullptr);
    timer_delete(timer);
    return false;
  }
  loop();
  timer_delete(timer);  // a signal still pending finds no run and does nothing
  g_signal_watched.store(nullptr, std::memory_order_release);
  signal_tick_ = nullptr;
  return true;
}

bool RunControl::run_watched(int cancel_fd, const std::function<void()>& loop, std::string* error,
                             const std::function<void()>& tick, int tick_ms, bool by_signal) {
  // The watchdog only raises a flag; the block hook acts on it before the
  // next guest block and the idle wait checks it, so it cannot be lost. It
  // watches the deadline and the embedder's cancel fd; a pipe ends it.
  // With `tick` (runs without a counting hook) it also calls tick every
  // tick_ms, which ends long turns and acts on the flag.
  if (!deadline_ && cancel_fd < 0 && !tick) {
    loop();
    return true;
  }
  if (by_signal && cancel_fd < 0) return run_signal_watched(loop, error, tick, tick_ms);
  int done_pipe[2];
  if (pipe2(done_pipe, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  std::thread watchdog([this, cancel_fd, done = done_pipe[0], &tick, tick_ms]() mutable {
    // Phases: until the deadline; with a kill-after grace, until the run
    // loop has sent SIGTERM (it clears the flag first), then the grace.
    enum { kToDeadline, kToTerm, kGrace, kTicksOnly } phase = kToDeadline;
    double until = deadline_;
    for (;;) {
      int timeout_ms = -1;
      if (phase == kTicksOnly) {
        timeout_ms = tick_ms;
      } else if (phase == kToTerm) {
        if (term_sent_.load()) {
          phase = kGrace;
          until = Clock::host_seconds() + grace_;
          continue;
        }
        timeout_ms = 5;
      } else if (until) {
        double left = until - Clock::host_seconds();
        if (left <= 0) {
          stop_now_ = true;
          if (tick) tick();  // ends the running turn now
          if (phase == kGrace || grace_ <= 0) {
            if (!tick) return;
            phase = kTicksOnly;  // the flag is up for good; ticks still end turns
            continue;
          }
          phase = kToTerm;
          continue;
        }
        timeout_ms = static_cast<int>(std::min(left * 1000.0 + 1, 3600e3));
      }
      if (tick && (timeout_ms < 0 || timeout_ms > tick_ms)) timeout_ms = tick_ms;
      pollfd fds[2] = {{done, POLLIN, 0}, {cancel_fd, POLLIN, 0}};
      int rc = poll(fds, cancel_fd >= 0 ? 2 : 1, timeout_ms);
      if (rc < 0 && errno != EINTR) return;
      if (rc == 0 && tick) tick();
      if (rc > 0 && fds[0].revents) return;
      if (rc > 0 && fds[1].revents) {
        request_cancel(0);
        if (!tick) return;
        tick();
        cancel_fd = -1;  // cancelled; ticks go on until the loop ends
        continue;
      }
    }
  });
  loop();
  char byte = 1;
  while (write(done_pipe[1], &byte, 1) < 0 && errno == EINTR) {
  }
  watchdog.join();
  close(done_pipe[0]);
  close(done_pipe[1]);
  return true;
}

}  // namespace vmrun
