// vmrun's own version and the CPU engine's.
#include <unicorn/unicorn.h>

#include <string>

#include "vmrun/sandbox.h"

#ifndef VMRUN_VERSION
#define VMRUN_VERSION "0.3.0"
#endif

namespace vmrun {

const char* version() { return VMRUN_VERSION; }

std::string unicorn_version() {
  // uc_version packs major.minor.patch.extra into one byte each.
  unsigned full = uc_version(nullptr, nullptr);
  return std::to_string((full >> 24) & 0xff) + "." + std::to_string((full >> 16) & 0xff) + "." +
         std::to_string((full >> 8) & 0xff);
}

}  // namespace vmrun
