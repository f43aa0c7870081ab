// What waitid(P_PIDFD) needs of a pidfd (syscalls/sys_pidfd.cpp).
#pragma once

#include "syscalls/handler_util.h"

namespace vmrun {

// The process a pidfd refers to: its pid, whether the description is
// non-blocking (PIDFD_NONBLOCK: waitid answers EAGAIN instead of
// waiting), and whether it is a thread pidfd (PIDFD_THREAD: the pid is a
// task's, leader or not). EBADF when `fd` is not a pidfd.
struct PidfdTarget {
  int pid = 0;
  bool nonblock = false;
  bool thread = false;
};
Result<PidfdTarget> pidfd_target(SyscallContext& k, int fd);

}  // namespace vmrun
