// Small helpers every syscall family uses: typed access to guest
// arguments through the checked memory layer, fd lookup, and resolution of
// (dirfd, path) pairs to the VFS's (base, path) form.
#pragma once

#include <fcntl.h>

#include <string>
#include <vector>

#include "emu/kernel/syscall_context.h"
#include "syscalls/syscall_table.h"

namespace vmrun {

// Largest single transfer serviced at once; larger ones are short, as
// Linux caps a read/write at 0x7ffff000 bytes.
constexpr uint64_t kMaxTransfer = 0x7ffff000;

// The directory a relative path starts from: the cwd for AT_FDCWD, else
// the directory fd's; its current path, wherever renames have moved it
// (EBADF, ENOTDIR; ENOENT once the directory was removed).
Result<std::string> dir_base(SyscallContext& k, int dirfd, const std::string& path);
Result<fs::FileRef> file_arg(SyscallContext& k, int fd);
// The path an f*() call (fchmod, fchown, futimens, fstatfs) reaches the
// description's file by: a directory's current path (ENOENT once removed),
// else the path it was opened by.
Result<std::string> file_path(const fs::FileRef& f);

// A relative timeout given as a guest timespec: -1 for a NULL pointer (no
// timeout), EINVAL for a negative or unnormalized one; beyond 2^32 s (no
// overflow, and longer than any run) it waits for ever.
Result<int64_t> timeout_from_timespec(SyscallContext& k, uint64_t addr);
// Writes `left_ns` (at least 0) as a timespec to `addr` unless it is 0: the
// time a sleep or wait had left (nanosleep's `rem`, ppoll's timeout). A
// fault is ignored, as Linux ignores it there.
void write_time_left(AddressSpace& mem, uint64_t addr, int64_t left_ns);

// Define a syscall table row.
#define SYSCALL_DEF(name, fn, support, args, note) \
  SyscallDef { name, fn, support, args, note }
// A call Linux never restarts after a signal handler (EINTR instead).
#define SYSCALL_DEF_NO_RESTART(name, fn, support, args, note) \
  SyscallDef { name, fn, support, args, note, Restart::Never }

}  // namespace vmrun
