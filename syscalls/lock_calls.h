// fcntl(2)'s lock commands (syscalls/sys_lock.cpp), for sys_fcntl.
#pragma once

#include <cstdint>

#include "syscalls/handler_util.h"

namespace vmrun {

// F_GETLK, F_SETLK, F_SETLKW and their F_OFD_* forms on description `f`,
// with the guest's struct flock at `addr`.
SyscallResult fcntl_lock(SyscallContext& k, const fs::FileRef& f, int cmd, uint64_t addr);

}  // namespace vmrun
