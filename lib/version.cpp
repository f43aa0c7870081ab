// vmrun's own version and the CPU engine's.
#include <string>

#include "emu/engine/unicorn_version.h"
#include "vmrun/sandbox.h"

#ifndef VMRUN_VERSION
#define VMRUN_VERSION "0.3.0"
#endif

namespace vmrun {

const char* version() { return VMRUN_VERSION; }

std::string unicorn_version() { return loaded_unicorn_version_text(); }

}  // namespace vmrun
