// Resource limits: what getrlimit/setrlimit/prlimit64 report and set, and
// the checks the other syscall families make against them (RLIMIT_FSIZE
// for writes and truncation, RLIMIT_AS for new mappings).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "emu/kernel/process.h"
#include "emu/kernel/syscall_context.h"

namespace vmrun {

constexpr uint64_t kRlimInfinity = ~0ull;

// The process's limit of `resource` (0 <= resource < RLIM_NLIMITS): what
// it set, else the sandbox's default.
ResourceLimits::Pair limit_of(SyscallContext& k, int resource);

// The caller's RLIMIT_FSIZE soft limit; kRlimInfinity when none was set
// (the check every file write starts with: one load).
uint64_t file_size_limit(SyscallContext& k);

// How many bytes a write may put into a regular file from offset `start`
// on under RLIMIT_FSIZE: 0 when `start` is at or past the limit, in which
// case (if `signal`) SIGXFSZ has been sent to the caller (its default
// action kills; caught or ignored, the caller returns EFBIG, as Linux
// does).
uint64_t file_size_room(SyscallContext& k, uint64_t start, bool signal = true);

// RLIMIT_FSIZE for a call that sets a regular file's size to `new_size`
// (truncate, ftruncate, fallocate): EFBIG, with SIGXFSZ, when that is past
// the limit and the file would grow; `current_size` is asked only then.
Result<void> file_growth_allowed(SyscallContext& k, uint64_t new_size,
                                 const std::function<Result<int64_t>()>& current_size);

// Whether mapping `len` bytes stays within RLIMIT_AS. `replacing`: the
// mapping's address when it takes the place of what is mapped there (its
// mapped bytes are not new); `released`: bytes the call unmaps elsewhere.
// Nothing is looked at when the process set no limit.
bool address_space_room(SyscallContext& k, uint64_t len, std::optional<uint64_t> replacing = std::nullopt,
                        uint64_t released = 0);

}  // namespace vmrun
