// The sandbox's clocks. A normal run reads the host's. A deterministic run
// (Config::deterministic) has virtual time: one nanosecond per guest
// instruction plus the time its guests slept, from a fixed boot moment
// (2026-01-01), so two runs see the same times.
#pragma once

#include <cstdint>

#include "rootfs/vfs.h"

namespace vmrun {

class Clock {
 public:
  // `instructions`: the run's instruction counter (virtual time's source).
  Clock(bool deterministic, const uint64_t* instructions) : deterministic_(deterministic), instructions_(instructions) {}

  // Host monotonic seconds (the watchdog's and the supervisor's time).
  static double host_seconds();

  // The sandbox boots now: uptime counts from here.
  void boot() { booted_at_ = host_seconds(); }
  double booted_at() const { return booted_at_; }

  fs::Timespec realtime() const;
  fs::Timespec monotonic() const;
  int64_t monotonic_ns() const;
  double uptime_seconds() const;
  // Virtual time only: every guest is asleep until `ns` (monotonic), so
  // time jumps there.
  void sleep_until(int64_t ns);
  bool is_virtual() const { return deterministic_; }

 private:
  const bool deterministic_;
  const uint64_t* const instructions_;
  double booted_at_ = 0;
  int64_t slept_ns_ = 0;
};

}  // namespace vmrun
