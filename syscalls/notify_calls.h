// fcntl(2)'s F_NOTIFY (syscalls/sys_dnotify.cpp), for sys_fcntl.
#pragma once

#include <cstdint>

#include "syscalls/handler_util.h"

namespace vmrun {

// F_NOTIFY on description `f` with DN_* bits `arg`.
SyscallResult fcntl_notify(SyscallContext& k, const fs::FileRef& f, uint64_t arg);

}  // namespace vmrun
