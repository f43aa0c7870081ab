#include "emu/kernel/terminal.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstring>

namespace vmrun {

std::atomic<int> Terminal::pending_{0};

std::unique_ptr<Terminal> Terminal::attach(int fd) {
  if (fd < 0 || !isatty(fd)) return nullptr;
  return std::unique_ptr<Terminal>(new Terminal(fd));
}

Terminal::Terminal(int fd) : fd_(fd) {
  have_saved_ = tcgetattr(fd_, &saved_) == 0;
  struct sigaction sa {};
  sa.sa_handler = &Terminal::on_host_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGQUIT, &sa, &old_quit_);
  sigaction(SIGTSTP, &sa, &old_tstp_);
  pending_ = 0;
}

Terminal::~Terminal() {
  if (have_saved_) tcsetattr(fd_, TCSAFLUSH, &saved_);
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGQUIT, &old_quit_, nullptr);
  sigaction(SIGTSTP, &old_tstp_, nullptr);
}

void Terminal::on_host_signal(int sig) { pending_.store(sig, std::memory_order_relaxed); }

int Terminal::take_host_signal() { return pending_.exchange(0, std::memory_order_relaxed); }

Result<void> Terminal::get(uint8_t out[kTermiosSize]) const {
  if (ioctl(fd_, TCGETS, out) != 0) return Err{ENOTTY};
  return Ok();
}

Result<void> Terminal::set(const uint8_t in[kTermiosSize], unsigned long request) {
  if (request != TCSETS && request != TCSETSW && request != TCSETSF) return Err{EINVAL};
  uint8_t copy[kTermiosSize];
  std::memcpy(copy, in, sizeof copy);
  if (ioctl(fd_, request, copy) != 0) return Err{EINVAL};
  return Ok();
}

Result<void> Terminal::window_size(uint16_t out[4]) const {
  struct winsize ws {};
  if (ioctl(fd_, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0) {
    out[0] = 24, out[1] = 80, out[2] = out[3] = 0;
    return Ok();
  }
  out[0] = ws.ws_row, out[1] = ws.ws_col, out[2] = ws.ws_xpixel, out[3] = ws.ws_ypixel;
  return Ok();
}

}  // namespace vmrun
