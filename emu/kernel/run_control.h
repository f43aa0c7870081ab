// When a run must stop from outside the guest: the wall-clock deadline
// (with timeout(1)'s kill-after grace), and a cancel from the embedder's
// fd or a host signal. A watchdog raises one flag, `stop_now`; the
// instruction meter stops the guest before its next block when it is up,
// and the run loop asks what it meant (Kernel::stop_as_requested). The
// watchdog is a thread, or, in a template's spawn, a timer signal on the
// running thread itself (run_watched's `by_signal`).
#pragma once

#include <atomic>
#include <functional>
#include <string>

namespace vmrun {

class RunControl {
 public:
  // Wall-clock limit: stop at host time `deadline` (Clock::host_seconds;
  // 0: none). With `grace` > 0 the guest first gets SIGTERM and `grace`
  // more seconds.
  void set_deadline(double deadline, double grace) {
    deadline_ = deadline;
    grace_ = grace;
  }
  double deadline() const { return deadline_; }
  // A new run from here (a template's spawn): flags down, a new deadline.
  void rearm(double deadline, double grace) {
    stop_now_ = false;
    cancel_signal_ = 0;
    term_sent_ = false;
    timed_out_ = false;
    set_deadline(deadline, grace);
  }
  double grace() const { return grace_; }

  // Stop as Cancelled (host signal `sig`, 0 for none). Async-signal-safe.
  void request_cancel(int sig) noexcept {
    cancel_signal_.store(sig > 0 ? sig : -1, std::memory_order_relaxed);
    stop_now_.store(true, std::memory_order_relaxed);
  }
  // > 0: cancelled by that signal; -1: cancelled without one; 0: not.
  int cancel_signal() const { return cancel_signal_.load(std::memory_order_relaxed); }

  const std::atomic<bool>* stop_flag() const { return &stop_now_; }
  bool stop_requested() const { return stop_now_.load(std::memory_order_relaxed); }

  // The kill-after grace: true the first time the deadline passes with a
  // grace to give (the caller sends SIGTERM); the flag is lowered until
  // the grace ends.
  bool begin_grace();
  // The deadline passed (with or without a grace given first).
  bool timed_out() const { return timed_out_; }

  // Run `loop` with the watchdog watching the deadline and `cancel_fd`
  // (readable: cancel). false and *error if the watchdog cannot start.
  // With `tick`, the watchdog also calls it every `tick_ms` (and at once
  // when it raises the flag): the meter's timed turns.
  //
  // `by_signal` (only without a cancel fd): no thread; a timer sends this
  // thread a signal every tick (kSignalPollMs without `tick`), and the
  // handler does the watchdog's work, so `tick` must be async-signal-safe.
  // A process with a second thread pays for that on every copy-on-write
  // fault: the TLB shootdown goes to the other CPU too. In a template's
  // spawn, where most of the faults are, that path was ~10 % of the CPU
  // profile, and the timer took 6-7 % off a spawn's CPU time
  // (bench/RESULTS.md, "A spawn without a watchdog thread").
  bool run_watched(int cancel_fd, const std::function<void()>& loop, std::string* error,
                   const std::function<void()>& tick = {}, int tick_ms = 0, bool by_signal = false);
  static constexpr int kSignalPollMs = 5;

  // The timer signal's work (run_watched with by_signal).
  void on_watch_signal();

 private:
  std::atomic<bool> stop_now_{false};
  std::atomic<int> cancel_signal_{0};
  std::atomic<bool> term_sent_{false};
  bool timed_out_ = false;
  double deadline_ = 0;
  double grace_ = 0;
  // The signal watchdog's state: only its handler touches it once armed.
  enum class WatchPhase { ToDeadline, ToTerm, Grace, TicksOnly };
  WatchPhase signal_phase_ = WatchPhase::TicksOnly;
  double signal_until_ = 0;
  const std::function<void()>* signal_tick_ = nullptr;

  bool run_signal_watched(const std::function<void()>& loop, std::string* error, const std::function<void()>& tick,
                          int tick_ms);
};

}  // namespace vmrun
