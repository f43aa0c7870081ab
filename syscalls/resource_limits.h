// Resource limits: what getrlimit/setrlimit/prlimit64 report and set, and
// the checks the other syscall families make against them (RLIMIT_FSIZE
// for writes and truncation, RLIMIT_AS for new mappings).
#pragma once

#include <cstdint>

#include "emu/kernel/process.h"
#include "emu/kernel/syscall_context.h"

namespace vmrun {

constexpr uint64_t kRlimInfinity = ~0ull;

// The process's limit of `resource` (0 <= resource < RLIM_NLIMITS): what
// it set, else the sandbox's default.
ResourceLimits::Pair limit_of(SyscallContext& k, int resource);

// How many bytes a write may put into a regular file from offset `start`
// on under RLIMIT_FSIZE: 0 when `start` is at or past the limit, in which
// case (if `signal`) SIGXFSZ has been sent to the caller (its default
// action kills; caught or ignored, the caller returns EFBIG, as Linux
// does). A truncation to N bytes asks with start N - 1.
uint64_t file_size_room(SyscallContext& k, uint64_t start, bool signal = true);

// Whether `growth` more bytes of address space stay within RLIMIT_AS.
bool address_space_room(SyscallContext& k, uint64_t growth);

}  // namespace vmrun
