// Paths shared by the unit tests: the default root filesystems built by
// scripts/setup.sh and the guest programs built by tests/guest.
#pragma once

#include <string>

#include "vmrun/sandbox.h"

namespace vmrun::test {

inline std::string rootfs(Arch arch) { return std::string(VMRUN_SOURCE_DIR) + "/.deps/rootfs/" + arch_name(arch); }
inline std::string guest_dir(Arch arch) { return std::string(VMRUN_BINARY_DIR) + "/guest/" + arch_name(arch); }

// A config for `arch` with the guest programs mounted read-only at /t.
inline Config config_for(Arch arch) {
  Config c;
  c.rootfs = rootfs(arch);
  c.arch = arch;
  c.mounts.push_back({guest_dir(arch), "/t", false});
  return c;
}

inline RunRequest request(std::initializer_list<std::string> argv) {
  RunRequest r;
  r.argv = argv;
  return r;
}

}  // namespace vmrun::test
