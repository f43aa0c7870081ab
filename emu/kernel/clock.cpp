#include "emu/kernel/clock.h"

#include <time.h>

namespace vmrun {
namespace {

constexpr int64_t kVirtualEpoch = 1767225600;     // 2026-01-01T00:00:00Z, deterministic mode's boot time
constexpr int64_t kVirtualBootNs = 1000000000000;  // CLOCK_MONOTONIC at a virtual boot: 1000 s

}  // namespace

double Clock::host_seconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int64_t Clock::monotonic_ns() const {
  if (deterministic_) return kVirtualBootNs + static_cast<int64_t>(*instructions_) + slept_ns_;
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

fs::Timespec Clock::monotonic() const {
  int64_t ns = monotonic_ns();
  return {ns / 1000000000, ns % 1000000000};
}

fs::Timespec Clock::realtime() const {
  if (deterministic_) {
    int64_t ns = monotonic_ns();
    return {kVirtualEpoch + ns / 1000000000, ns % 1000000000};
  }
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return {ts.tv_sec, ts.tv_nsec};
}

double Clock::uptime_seconds() const {
  if (deterministic_) {
    fs::Timespec t = monotonic();
    return (t.sec - kVirtualBootNs / 1000000000) + t.nsec * 1e-9;
  }
  return host_seconds() - booted_at_;
}

void Clock::sleep_until(int64_t ns) {
  int64_t now = monotonic_ns();
  if (deterministic_ && ns > now) slept_ns_ += ns - now;
}

}  // namespace vmrun
