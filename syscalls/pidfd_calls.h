// What waitid(P_PIDFD) needs of a pidfd (syscalls/sys_pidfd.cpp).
#pragma once

#include "syscalls/handler_util.h"

namespace vmrun {

// The process a pidfd refers to: its pid, and whether the description is
// non-blocking (PIDFD_NONBLOCK: waitid answers EAGAIN instead of
// waiting). EBADF when `fd` is not a pidfd.
struct PidfdTarget {
  int pid = 0;
  bool nonblock = false;
};
Result<PidfdTarget> pidfd_target(SyscallContext& k, int fd);

}  // namespace vmrun
