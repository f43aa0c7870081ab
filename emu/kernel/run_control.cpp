#include "emu/kernel/run_control.h"

#include <fcntl.h>
#include <poll.h>
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

bool RunControl::run_watched(int cancel_fd, const std::function<void()>& loop, std::string* error,
                             const std::function<void()>& tick, int tick_ms) {
  // The watchdog only raises a flag; the block hook acts on it before the
  // next guest block and the idle wait checks it, so it cannot be lost. It
  // watches the deadline and the embedder's cancel fd; a pipe ends it.
  // With `tick` (runs without a counting hook) it also calls tick every
  // tick_ms, which ends long turns and acts on the flag.
  if (!deadline_ && cancel_fd < 0 && !tick) {
    loop();
    return true;
  }
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
