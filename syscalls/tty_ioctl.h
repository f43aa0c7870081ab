// ioctl(2) on a pseudo-terminal's master or slave (emu/files/pty.h):
// termios, window size, the ptmx calls (TIOCGPTN, TIOCSPTLCK, TIOCGPTPEER)
// and the controlling-terminal calls. sys_ioctl hands every request on a
// pty here; nullopt means "not a terminal request" (FIONREAD, FIONBIO,
// FIOCLEX, FIONCLEX), which sys_ioctl answers as for any file.
#pragma once

#include <optional>

#include "emu/files/pty.h"
#include "syscalls/handler_util.h"

namespace vmrun {

std::optional<SyscallResult> pty_ioctl(SyscallContext& k, PtyEnd& end, uint64_t request, uint64_t arg);

}  // namespace vmrun
