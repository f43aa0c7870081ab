#include "syscalls/wait_mask.h"

#include <csignal>

namespace vmrun {

namespace {
constexpr uint64_t kSigsetSize = 8;
constexpr uint64_t kUnblockable = (1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1));
}  // namespace

Result<void> begin_wait_mask(SyscallContext& k, uint64_t mask_addr, uint64_t size) {
  if (!mask_addr || k.restarted()) return Ok();
  if (size != kSigsetSize) return Err{EINVAL};
  TRY_ASSIGN(uint64_t mask, k.mem().load(GuestPtr<uint64_t>{mask_addr}));
  Process& p = k.proc();
  p.call.sigsuspend = true;
  p.call.sigsuspend_mask = p.signals.mask;
  p.signals.mask = mask & ~kUnblockable;
  return Ok();
}

SyscallResult finish_wait_mask(SyscallContext& k, SyscallResult r) {
  Process& p = k.proc();
  if (!r.blocked() && p.call.sigsuspend) {
    p.signals.mask = p.call.sigsuspend_mask;
    p.call.sigsuspend = false;
  }
  return r;
}

}  // namespace vmrun
