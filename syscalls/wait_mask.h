// The signal mask argument of ppoll, pselect6 and epoll_pwait(2): the wait
// runs under the guest's temporary mask, as rt_sigsuspend does. A handler
// that interrupts it runs under that mask too, and its frame saves the
// caller's own mask, so sigreturn restores it; any other return (ready
// descriptors, the timeout, an error) restores it at once. A signal the
// temporary mask unblocks can therefore only interrupt the wait, never
// arrive just before it (what pselect exists for).
#pragma once

#include <csignal>
#include <cstdint>

#include "emu/kernel/syscall_context.h"

namespace vmrun {

constexpr uint64_t kSigsetSize = 8;  // the kernel's sigset_t: 64 signals
constexpr uint64_t kUnblockable = (1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1));

// Runs the rest of the call under `mask` (less SIGKILL and SIGSTOP); a
// handler's frame saves the caller's own mask (rt_sigsuspend, and the
// waits below).
void install_temporary_mask(Process& p, uint64_t mask);

// Installs the mask at `mask_addr` (0: none, nothing changes; `size` must
// be 8, else EINVAL). Not again when the call resumes after a wait.
Result<void> begin_wait_mask(SyscallContext& k, uint64_t mask_addr, uint64_t size);
// What the call returns: the caller's mask back unless it blocks.
SyscallResult finish_wait_mask(SyscallContext& k, SyscallResult r);

}  // namespace vmrun
