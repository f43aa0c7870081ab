// Host hardening, path layer: a Landlock ruleset (Linux >= 5.13) that
// limits every later open of the emulator process to the rootfs
// (read-only) and the mounts (read-only, or read-write where mounted so).
// seccomp cannot look at path strings; Landlock can. See docs/SECURITY.md.
#pragma once

#include <string>
#include <vector>

namespace vmrun {

struct LandlockPath {
  std::string host_dir;
  bool writable = false;
};

enum class LandlockStatus { Enforced, Unsupported, Failed };

// The kernel's Landlock ABI version, 0 when Landlock is unavailable.
int landlock_abi_version();

// Restrict the calling process (and threads started later) to `paths`.
// Irreversible. Unsupported when the kernel has no Landlock (the run goes
// on, confined by the other layers); Failed with `error` otherwise.
LandlockStatus restrict_host_paths(const std::vector<LandlockPath>& paths, std::string* error);

}  // namespace vmrun
