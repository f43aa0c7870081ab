// The host terminal, when vmrun itself runs in one: the guest sees a real
// tty. Terminal ioctls the guest makes on its standard streams (TCGETS,
// TCSETS*, TIOCGWINSZ, TIOCGPGRP/TIOCSPGRP) are applied to the host
// terminal, which is restored to its original settings when the run ends
// (the supervising process restores it again if the emulator died).
// Ctrl-C, Ctrl-\ and Ctrl-Z reach us as host signals and are forwarded to
// the guest's foreground process group.
#pragma once

#include <signal.h>
#include <termios.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "common/result.h"

namespace vmrun {

class Terminal {
 public:
  // nullptr unless `fd` is a terminal.
  static std::unique_ptr<Terminal> attach(int fd);
  ~Terminal();
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  // The kernel's struct termios (36 bytes, the same layout for both guest
  // architectures and the host).
  static constexpr size_t kTermiosSize = 36;
  Result<void> get(uint8_t out[kTermiosSize]) const;
  Result<void> set(const uint8_t in[kTermiosSize], unsigned long request);
  Result<void> window_size(uint16_t out[4]) const;

  int foreground_pgrp = 1;
  int session = 1;

  // Host SIGINT/SIGQUIT/SIGTSTP caught while attached, or 0; reading clears.
  static int take_host_signal();
  // Whether a host signal is waiting (cheap; for the CPU loop).
  static bool host_signal_pending() { return pending_.load(std::memory_order_relaxed) != 0; }

 private:
  explicit Terminal(int fd);
  static void on_host_signal(int sig);

  int fd_;
  struct termios saved_;
  bool have_saved_ = false;
  struct sigaction old_int_, old_quit_, old_tstp_;
  // Host signals are process-wide; so is this one word they set.
  static std::atomic<int> pending_;
};

}  // namespace vmrun
