// Small helpers every syscall family uses: typed access to guest
// arguments through the checked memory layer, fd lookup, and resolution of
// (dirfd, path) pairs to the VFS's (base, path) form.
#pragma once

#include <fcntl.h>

#include <string>
#include <vector>

#include "emu/kernel/kernel.h"
#include "syscalls/syscall_table.h"

namespace vmrun {

// The inode number every anon-inode file (epoll, eventfd) reports, as the
// one anon inode Linux shares between them.
constexpr uint64_t kAnonInode = 1;

constexpr uint64_t kPathMax = 4096;
// Bounds for counts the guest passes (iovec arrays, poll sets, ...).
constexpr uint64_t kIovMax = 1024;
// Largest single transfer serviced at once; larger ones are short, as
// Linux caps a read/write at 0x7ffff000 bytes.
constexpr uint64_t kMaxTransfer = 0x7ffff000;

inline Result<uint64_t> ok_value(uint64_t v) { return v; }

// A path argument: EFAULT for a bad pointer, ENAMETOOLONG past PATH_MAX.
Result<std::string> path_arg(Kernel& k, uint64_t addr);
// The directory a relative path starts from: the cwd for AT_FDCWD, else
// the directory fd's; its current path, wherever renames have moved it
// (EBADF, ENOTDIR; ENOENT once the directory was removed).
Result<std::string> dir_base(Kernel& k, int dirfd, const std::string& path);
Result<fs::FileRef> file_arg(Kernel& k, int fd);
// A guest struct iovec array (readv, writev, sendmsg, vmsplice): `too_many`
// past UIO_MAXIOV; EINVAL for a negative length or a total that overflows.
struct Iov {
  uint64_t base, len;
};
Result<std::vector<Iov>> iovecs_arg(Kernel& k, uint64_t addr, uint64_t count, int too_many = EINVAL);
// The path an f*() call (fchmod, fchown, futimens, fstatfs) reaches the
// description's file by: a directory's current path (ENOENT once removed),
// else the path it was opened by.
Result<std::string> file_path(const fs::FileRef& f);

// Define a syscall table row.
#define SYSCALL_DEF(name, fn, support, args, note) \
  SyscallDef { name, fn, support, args, note }
// A call Linux never restarts after a signal handler (EINTR instead).
#define SYSCALL_DEF_NO_RESTART(name, fn, support, args, note) \
  SyscallDef { name, fn, support, args, note, Restart::Never }

}  // namespace vmrun
